# AlexNet reference for test/models/alexnet.test.ts: torchvision's alexnet with random weights (biases
# perturbed), saved as .pth and .safetensors under torchvision's key names. On x (N,H,W,3) in [0,1] with
# ImageNet mean/std: float64 logits, d(sum CE(labels))/dx in NHWC, and the float32 gradient for scale.
# Case keys: labels, specs (only write the state-dict keys and shapes as specs.json, no forward).
import json
import os

import torch
import torchvision

from random_weights import save_weights
from npyio import cases, folder, load, save

c = cases()
torch.manual_seed(0)
model = torchvision.models.alexnet(weights=None).eval()
if c.get("specs"):
    with open(os.path.join(folder(), "specs.json"), "w") as f:
        json.dump([[k, list(v.shape)] for k, v in model.state_dict().items()], f)
    raise SystemExit(0)
with torch.no_grad():
    for n, p in model.named_parameters():
        if n.endswith("bias"):
            p.uniform_(-0.1, 0.1)
sd = save_weights(model, folder())
labels = torch.tensor(c["labels"])


def run(dtype):
    x = torch.tensor(load("x"), dtype=dtype).permute(0, 3, 1, 2).requires_grad_(True)
    mean = torch.tensor([0.485, 0.456, 0.406], dtype=dtype).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225], dtype=dtype).view(1, 3, 1, 1)
    logits = model.to(dtype)((x - mean) / std)
    torch.nn.functional.cross_entropy(logits, labels, reduction="sum").backward()
    return logits.detach().double().numpy(), x.grad.permute(0, 2, 3, 1).double().numpy()


save("grad32", run(torch.float32)[1])
logits, grad = run(torch.float64)
save("logits", logits)
save("grad", grad)
