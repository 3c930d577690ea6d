# PyTorch side of `lkrobust bench model`: images/s of the same model (timm, or scripts/replknet_reference.py for
# RepLKNet), channels-last, same threads and batch, forward (no_grad) and input gradient (sum of CE).
# Usage: torch_model.py '{"name": "resnet50", "family": "resnet", "batch": 8, "size": 224, "threads": 2,
#                          "reps": 5, "warmup": 2, "config": {...}}'  -> prints one JSON line.
import json
import os
import sys
import time

import torch

args = json.loads(sys.argv[1])
torch.set_num_threads(int(args["threads"]))
torch.manual_seed(0)


def build():
    fam, name, cfg = args["family"], args["name"], args.get("config", {})
    if fam == "replknet":
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
        import replknet_reference as ref  # written from REFERENCE.md, official key names

        keys = ("kernels", "layers", "channels", "small_kernel", "dw_ratio", "ffn_ratio", "num_classes")
        # Re-parameterised (one large kernel per block), as the native graph runs it after loading.
        return ref.RepLKNet(**{k: cfg[k] for k in keys if k in cfg}).reparameterize()
    if fam == "alexnet":
        import torchvision

        return torchvision.models.alexnet()
    import timm

    kw = {}
    if fam == "convnext" and cfg.get("kernel_size", 7) != 7:
        kw["kernel_sizes"] = cfg["kernel_size"]
    return timm.create_model(name, pretrained=False, **kw)


model = build().eval().to(memory_format=torch.channels_last)
b, s = int(args["batch"]), int(args["size"])
x = torch.rand(b, 3, s, s).contiguous(memory_format=torch.channels_last)
labels = torch.randint(0, 1000, (b,))


def timed(fn):
    for _ in range(int(args["warmup"])):
        fn()
    ts = []
    for _ in range(int(args["reps"])):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2]


def fwd():
    with torch.no_grad():
        model(x)


def grad():
    xi = x.clone().requires_grad_(True)
    out = model(xi)
    if out.shape[-1] == 1000:
        loss = torch.nn.functional.cross_entropy(out, labels, reduction="sum")
    else:
        loss = out.sum()
    loss.backward()


print(json.dumps({"torch": torch.__version__, "forward_s": timed(fwd), "grad_s": timed(grad)}))
