# ResNetV2 / BiT reference for test/models/resnetv2.test.ts: timm resnetv2_* with random weights (every conv
# redrawn, since timm zero-initialises each block's conv3; GroupNorm affine and the head perturbed), saved as
# .pth and .safetensors. On x (N,H,W,3) in [0,1] with BiT's mean = std = 0.5: float64 logits,
# d(sum CE(labels))/dx in NHWC, and the float32 gradient for scale.
# Case keys: name, labels, skip_blocks (lesion: those blocks keep only their shortcut), specs (model names: only
# write their state-dict keys and shapes as specs.json, no forward).

import timm
import torch

from random_weights import save_weights, write_timm_specs
from npyio import cases, folder, load, save

c = cases()
torch.manual_seed(0)

if c.get("specs"):
    write_timm_specs(c["specs"], folder())
    raise SystemExit(0)

model = timm.create_model(c["name"], pretrained=False).eval()
with torch.no_grad():
    for n, p in model.named_parameters():
        if p.ndim == 4:  # convs (standardised in the forward, so only the shape of the draw matters) and head.fc
            torch.nn.init.kaiming_uniform_(p, a=5 ** 0.5)
        elif n.endswith("bias"):
            p.uniform_(-0.1, 0.1)
        else:  # GroupNorm weights
            p.uniform_(0.8, 1.2)
sd = save_weights(model, folder())

blocks = [b for s in model.stages for b in s.blocks]
for i in c.get("skip_blocks", []):
    # Lesion: the residual branch removed; the shortcut is the identity, or downsample(relu(norm1 x)).
    blk = blocks[i]
    if blk.downsample is None:
        blk.forward = lambda z: z
    else:
        blk.forward = (lambda b: (lambda z: b.downsample(b.norm1(z))))(blk)

labels = torch.tensor(c["labels"])


def run(dtype):
    x = torch.tensor(load("x"), dtype=dtype).permute(0, 3, 1, 2).requires_grad_(True)
    logits = model.to(dtype)((x - 0.5) / 0.5)
    torch.nn.functional.cross_entropy(logits, labels, reduction="sum").backward()
    return logits.detach().double().numpy(), x.grad.permute(0, 2, 3, 1).double().numpy()


save("grad32", run(torch.float32)[1])
logits, grad = run(torch.float64)
save("logits", logits)
save("grad", grad)
