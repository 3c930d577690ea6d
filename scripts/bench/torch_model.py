# PyTorch side of `lkrobust bench model`: images/s of the same model (timm, or scripts/replknet_reference.py for
# RepLKNet), channels-last, same threads and batch, forward (no_grad) and input gradient (sum of CE). The input
# gradient is what ours computes and nothing more: parameters frozen, torch.autograd.grad w.r.t. the input only
# (loss.backward() with live weights would also compute every weight gradient, an unfair anchor).
# Usage: torch_model.py '{"name": "resnet50", "family": "resnet", "batch": 8, "size": 224, "threads": 2,
#                          "reps": 5, "warmup": 2, "config": {...}, "device": "cpu"}'  -> prints one JSON line.
# With "device": "cuda" it runs on the GPU in strict f32 (TF32 off for cuDNN and cuBLAS, as our kernels are f32),
# cudnn.benchmark on, and synchronises before reading the clock.
import json
import sys
import time

import torch

from torch_build import build, state_numel  # this script's directory is on sys.path

args = json.loads(sys.argv[1])
torch.set_num_threads(int(args["threads"]))
torch.manual_seed(0)

dev = torch.device("cuda" if str(args.get("device", "cpu")).startswith("cuda") else "cpu")
if dev.type == "cuda":
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
model = build(args["family"], args["name"], args.get("config", {}))
numel = state_numel(model)  # as the checkpoint holds it (before RepLKNet's fusion), for the same-model check
if args["family"] == "replknet":
    model.reparameterize()  # one large kernel per block, as the native graph runs it
model = model.eval().to(dev, memory_format=torch.channels_last)
for p in model.parameters():
    p.requires_grad_(False)
b, s = int(args["batch"]), int(args["size"])
x = torch.rand(b, 3, s, s).contiguous(memory_format=torch.channels_last).to(dev)
labels = torch.randint(0, 1000, (b,)).to(dev)
sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)


def timed(fn):
    for _ in range(int(args["warmup"])):
        fn()
    sync()
    ts = []
    for _ in range(int(args["reps"])):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
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
    torch.autograd.grad(loss, xi)


print(json.dumps({"torch": torch.__version__, "forward_s": timed(fwd), "grad_s": timed(grad), "state_numel": numel}))
