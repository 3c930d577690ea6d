# ConvNeXt reference for test/models/convnext.test.ts: timm convnext_* with random weights (gamma ~ U(0.5, 1)
# instead of the 1e-6 init, LN affine and biases perturbed), saved as timm-layout .pth and .safetensors and as an
# official-layout .pth ({"model": state dict}, keys renamed the reverse way of REFERENCE.md §1.2). On x (N,H,W,3)
# in [0,1]: float64 logits, d(sum CE(labels))/dx in NHWC, and the float32 gradient for scale.
# Case keys: name, kwargs (timm create_model kwargs), labels, skip_blocks (lesion: those blocks become identity),
# grad32 (default true: also the float32 gradient), specs (model names: only write their state-dict keys and shapes as specs.json, no forward), even_kernel (only
# try timm with that kernel size, result in even.json).
import json
import os
import re

import timm
import torch

from random_weights import randomize_, save_weights
from npyio import cases, folder, load, save

c = cases()
torch.manual_seed(0)


def specs_of(model):
    return [[k, list(v.shape)] for k, v in model.state_dict().items()]


if c.get("even_kernel"):
    # Does timm run an even depthwise kernel? (It pads (k-1)//2, so the residual add sees mismatched sizes.)
    m = timm.create_model(c["name"], pretrained=False, kernel_sizes=c["even_kernel"]).eval()
    try:
        with torch.no_grad():
            m(torch.zeros(1, 3, 64, 64))
        result = {"ok": True, "error": ""}
    except RuntimeError as e:
        result = {"ok": False, "error": str(e)}
    with open(os.path.join(folder(), "even.json"), "w") as f:
        json.dump(result, f)

if c.get("specs"):
    specs = {}
    for name in c["specs"]:
        with torch.device("meta"):
            m = timm.create_model(name, pretrained=False, **c.get("kwargs", {}))
        specs[name] = specs_of(m)
    with open(os.path.join(folder(), "specs.json"), "w") as f:
        json.dump(specs, f)
if c.get("specs") or c.get("even_kernel"):
    raise SystemExit(0)

model = timm.create_model(c["name"], pretrained=False, **c.get("kwargs", {})).eval()
randomize_(model)
sd = save_weights(model, folder())


def official_key(k):
    # timm -> the official facebookresearch/ConvNeXt layout (the inverse of timm's checkpoint_filter_fn).
    k = re.sub(r"^stem\.", "downsample_layers.0.", k)
    k = re.sub(r"^stages\.(\d+)\.downsample\.", r"downsample_layers.\1.", k)
    k = re.sub(r"^stages\.(\d+)\.blocks\.(\d+)\.", r"stages.\1.\2.", k)
    k = k.replace(".conv_dw.", ".dwconv.").replace(".mlp.fc1.", ".pwconv1.").replace(".mlp.fc2.", ".pwconv2.")
    k = re.sub(r"^head\.norm\.", "norm.", k)
    k = re.sub(r"^head\.fc\.", "head.", k)
    return k


official = {official_key(k): v for k, v in sd.items()}
assert len(official) == len(sd)
torch.save({"model": official, "epoch": 299}, os.path.join(folder(), "official.pth"))
with open(os.path.join(folder(), "official_keys.json"), "w") as f:
    json.dump(sorted(official), f)

blocks = [b for s in model.stages for b in s.blocks]
for i in c.get("skip_blocks", []):
    blocks[i].forward = lambda z: z  # lesion: the block's branch removed, the identity shortcut kept

labels = torch.tensor(c["labels"])


def run(dtype):
    x = torch.tensor(load("x"), dtype=dtype).permute(0, 3, 1, 2).requires_grad_(True)
    mean = torch.tensor([0.485, 0.456, 0.406], dtype=dtype).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225], dtype=dtype).view(1, 3, 1, 1)
    logits = model.to(dtype)((x - mean) / std)
    torch.nn.functional.cross_entropy(logits, labels, reduction="sum").backward()
    return logits.detach().double().numpy(), x.grad.permute(0, 2, 3, 1).double().numpy()


if c.get("grad32", True):
    save("grad32", run(torch.float32)[1])
logits, grad = run(torch.float64)
save("logits", logits)
save("grad", grad)
