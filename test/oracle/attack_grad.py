# Input gradients for the attack tests: a timm model with random weights (random BN statistics), saved as
# .safetensors; for an NHWC [0,1] input, in float64 and float32: d(sum CE)/dx (FGSM/PGD) and d(logit_y)/dx
# (TAIG's objective), through the model's own normalisation.
import os

import timm
import torch
from safetensors.torch import save_file

from random_weights import randomize_
from npyio import cases, folder, load, save

c = cases()
torch.manual_seed(int(c.get("seed", 0)))
model = timm.create_model(c["name"], pretrained=False, **c.get("kwargs", {})).eval()
randomize_(model)
save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(folder(), "w.safetensors"))
labels = torch.tensor(c["labels"])
mean, std = c["mean"], c["std"]


def grads(dtype):
    m = model.to(dtype)
    mu = torch.tensor(mean, dtype=dtype).view(1, 3, 1, 1)
    sd = torch.tensor(std, dtype=dtype).view(1, 3, 1, 1)
    out = {}
    for kind in ("ce", "logit"):
        x = torch.tensor(load("x"), dtype=dtype).permute(0, 3, 1, 2).requires_grad_(True)
        logits = m((x - mu) / sd)
        if kind == "ce":
            loss = torch.nn.functional.cross_entropy(logits, labels, reduction="sum")
        else:
            loss = logits.gather(1, labels.view(-1, 1)).sum()
        loss.backward()
        out[kind] = x.grad.permute(0, 2, 3, 1).double().numpy()
    return out


g64 = grads(torch.float64)
g32 = grads(torch.float32)
for k in ("ce", "logit"):
    save("grad_" + k, g64[k])
    save("grad32_" + k, g32[k])
