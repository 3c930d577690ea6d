# timm ConvNeXt with random weights (non-trivial gamma), saved as .pth and .safetensors; float64 logits and
# d(sum CE)/dx for an NHWC [0,1] input.
import os
import numpy as np
import timm
import torch
from safetensors.torch import save_file

from npyio import cases, folder, load, save

c = cases()
torch.manual_seed(0)
model = timm.create_model(c["name"], pretrained=False, **c.get("kwargs", {})).eval()
with torch.no_grad():
    for n, p in model.named_parameters():
        if n.endswith("gamma"):
            p.uniform_(0.5, 1.0)
        elif n.endswith("bias"):
            p.uniform_(-0.1, 0.1)
        elif "norm" in n:
            p.uniform_(0.8, 1.2)
sd = {k: v.contiguous() for k, v in model.state_dict().items()}
torch.save(sd, os.path.join(folder(), "w.pth"))
save_file(sd, os.path.join(folder(), "w.safetensors"))
model = model.double()
x = torch.tensor(load("x"), dtype=torch.float64).permute(0, 3, 1, 2).requires_grad_(True)
mean = torch.tensor([0.485, 0.456, 0.406], dtype=torch.float64).view(1, 3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225], dtype=torch.float64).view(1, 3, 1, 1)
logits = model((x - mean) / std)
labels = torch.tensor(c["labels"])
torch.nn.functional.cross_entropy(logits, labels, reduction="sum").backward()
save("logits", logits.detach().numpy())
save("grad", x.grad.permute(0, 2, 3, 1).numpy())
