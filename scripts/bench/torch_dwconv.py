# PyTorch side of `lkrobust bench dwconv`: depthwise conv2d, channels-last, same threads, the same rows and passes.
# Usage: torch_dwconv.py '{"threads": 2, "reps": 10, "warmup": 3, "rows": [{"n","c","h","w","k","stride","pass"}],
#                          "device": "cpu" | "cuda"}'  (cuda: cudnn.benchmark, TF32 off, synchronised timing)
# Prints one JSON line: {"torch": version, "ms": [median ms per row]}.
import json
import sys
import time

import torch
import torch.nn.functional as F

args = json.loads(sys.argv[1])
torch.set_num_threads(int(args["threads"]))
dev = torch.device("cuda" if str(args.get("device", "cpu")).startswith("cuda") else "cpu")
if dev.type == "cuda":  # strict f32 as ours, cuDNN's fastest algorithm for each shape
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = False
sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
out = []
for r in args["rows"]:
    n, c, h, w, k, s = (int(r[key]) for key in ("n", "c", "h", "w", "k", "stride"))
    x = torch.randn(n, c, h, w).contiguous(memory_format=torch.channels_last).to(dev)
    wt = torch.randn(c, 1, k, k).to(dev)
    pad = (k // 2, (k - 1) // 2, k // 2, (k - 1) // 2)  # same as ours: (k-1)/2 before, k/2 after

    def conv(xx, ww):
        return F.conv2d(F.pad(xx, (pad[1], pad[0], pad[3], pad[2])) if k % 2 == 0 else xx, ww,
                        stride=s, padding=0 if k % 2 == 0 else k // 2, groups=c)

    if r["pass"] == "fwd":
        def fn():
            with torch.no_grad():
                conv(x, wt)
    else:
        xr = x.clone().requires_grad_(r["pass"] == "bwd_data")
        wr = wt.clone().requires_grad_(r["pass"] == "bwd_weights")
        y = conv(xr, wr)
        dy = torch.randn_like(y)
        target = xr if r["pass"] == "bwd_data" else wr

        def fn():
            torch.autograd.grad(y, target, dy, retain_graph=True)
    for _ in range(int(args["warmup"])):
        fn()
    sync()
    ts = []
    for _ in range(int(args["reps"])):
        t0 = time.perf_counter()
        fn()
        sync()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    out.append(1000 * ts[len(ts) // 2])
print(json.dumps({"torch": torch.__version__, "ms": out}))
