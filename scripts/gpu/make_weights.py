# Random-weight checkpoints for the GPU parity check: for each model, the PyTorch module (timm, or
# scripts/replknet_reference.py) with randomised norm statistics and scales, its state dict as F32
# .safetensors under our key names, plus the check's input and PyTorch's answers:
#   __input__ (N, H, W, 3) in [0, 1], __labels__ (N) as floats, __logits__ (N, K),
#   __input_grad__ (N, H, W, 3) = d(sum of cross-entropy)/d(input pixels), normalisation included.
# Usage: make_weights.py [--models FILE] OUT_DIR MODEL [MODEL ...]   (default FILE scripts/gpu/models.json;
# scripts/gpu/tiny_models.json holds small graphs of every family; CPU is enough)
import json
import os
import struct
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "bench"))
from torch_build import build  # noqa: E402


def randomise(model, gen):
    """Norm statistics and scales away from their init, so folding and affine maps are exercised."""
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
                mod.running_mean.uniform_(-0.1, 0.1, generator=gen)
                mod.running_var.uniform_(0.5, 1.5, generator=gen)
        for name, p in model.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            if p.dim() == 1 and leaf in ("weight", "gamma"):  # norm scales, layer scales
                p.uniform_(0.5, 1.5, generator=gen)
            elif p.dim() == 1 and leaf == "bias":
                p.uniform_(-0.1, 0.1, generator=gen)


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous().cpu()
        b = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def make(name, entry, out_dir, batch=2):
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    model = build(entry["family"], name, entry["config"]).eval()
    randomise(model, gen)
    s = entry["inputSize"]
    x = torch.rand(batch, s, s, 3, generator=gen)  # NHWC pixels, as our models take them
    mean = torch.tensor(entry["config"]["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(entry["config"]["std"]).view(1, 3, 1, 1)
    xi = x.permute(0, 3, 1, 2).clone().requires_grad_(True)
    logits = model((xi - mean) / std)
    labels = torch.tensor([(7 * i) % logits.shape[1] for i in range(batch)])
    torch.nn.functional.cross_entropy(logits, labels, reduction="sum").backward()
    tensors = {k: v for k, v in model.state_dict().items() if v.is_floating_point()}
    tensors.update({"__input__": x, "__labels__": labels.float(), "__logits__": logits.detach(),
                    "__input_grad__": xi.grad.permute(0, 2, 3, 1)})
    path = os.path.join(out_dir, name + ".safetensors")
    save_safetensors(path, tensors)
    return path


if __name__ == "__main__":
    args = sys.argv[1:]
    models_file = os.path.join(here, "models.json")
    if args[:1] == ["--models"]:
        models_file, args = args[1], args[2:]
    if len(args) < 2:
        sys.exit("usage: make_weights.py [--models FILE] OUT_DIR MODEL [MODEL ...]")
    models = json.load(open(models_file))
    os.makedirs(args[0], exist_ok=True)
    for name in args[1:]:
        if name not in models:
            sys.exit(f"make_weights.py: unknown model {name!r} (see {models_file})")
        print(make(name, models[name], args[0]), flush=True)
