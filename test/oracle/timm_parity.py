# A timm model with random weights (non-trivial ConvNeXt gamma, random BN running statistics), saved as .pth and
# .safetensors; float64 logits and d(sum CE)/dx for an NHWC [0,1] input.
import timm
import torch

from random_weights import randomize_, save_weights
from npyio import cases, folder, load, save

c = cases()
torch.manual_seed(0)
model = timm.create_model(c["name"], pretrained=False, **c.get("kwargs", {})).eval()
randomize_(model)
sd = save_weights(model, folder())
if c.get("skip_blocks"):
    # Lesion reference: the listed bottlenecks keep only their shortcut (downsample or identity), then ReLU.
    blocks = [b for layer in (model.layer1, model.layer2, model.layer3, model.layer4) for b in layer]
    for i in c["skip_blocks"]:
        blk = blocks[i]
        short = blk.downsample if blk.downsample is not None else torch.nn.Identity()
        blk.forward = (lambda s: (lambda z: torch.relu(s(z))))(short)
labels = torch.tensor(c["labels"])


def run(dtype):
    x = torch.tensor(load("x"), dtype=dtype).permute(0, 3, 1, 2).requires_grad_(True)
    mean = torch.tensor([0.485, 0.456, 0.406], dtype=dtype).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225], dtype=dtype).view(1, 3, 1, 1)
    logits = model.to(dtype)((x - mean) / std)
    torch.nn.functional.cross_entropy(logits, labels, reduction="sum").backward()
    return logits.detach().double().numpy(), x.grad.permute(0, 2, 3, 1).double().numpy()


# PyTorch's own float32 gradient shows how well-conditioned this input is (ReLU and max-pool decisions near
# ties can flip between float32 and float64); the float64 result is the reference.
_, grad32 = run(torch.float32)
logits, grad = run(torch.float64)
save("logits", logits)
save("grad", grad)
save("grad32", grad32)
