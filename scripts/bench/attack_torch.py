# PyTorch side of `lkrobust bench attack`: seconds for one L∞ PGD run (uniform random start in ±eps, then
# `steps` steps of alpha = eps/4 on sum-CE, project, clip to [0,1]) on a batch, through the model's
# normalisation, channels-last, same threads and batch as ours. Median over reps after warmup.
# Usage: attack_torch.py '{"name": "resnet50", "family": "resnet", "config": {...}, "batch": 8, "size": 224,
#                          "threads": 2, "steps": 5, "eps": 0.0157, "reps": 3, "warmup": 1,
#                          "mean": [...], "std": [...]}'  -> prints one JSON line {"torch", "seconds"}.
import json
import sys
import time

import torch

from torch_build import build, state_numel  # this script's directory is on sys.path

args = json.loads(sys.argv[1])
torch.set_num_threads(int(args["threads"]))
torch.manual_seed(0)

net = build(args["family"], args["name"], args.get("config", {}))
numel = state_numel(net)  # as the checkpoint holds it (before RepLKNet's fusion), for the same-model check
if args["family"] == "replknet":
    net.reparameterize()  # one large kernel per block, as the native graph runs it
net = net.eval().to(memory_format=torch.channels_last)
for p in net.parameters():
    p.requires_grad_(False)
mean = torch.tensor(args["mean"]).view(1, 3, 1, 1)
std = torch.tensor(args["std"]).view(1, 3, 1, 1)
b, s = int(args["batch"]), int(args["size"])
eps, steps = float(args["eps"]), int(args["steps"])
alpha = eps / 4
x0 = torch.rand(b, 3, s, s).contiguous(memory_format=torch.channels_last)
labels = torch.arange(b) * 97 % 1000


def pgd():
    adv = (x0 + torch.empty_like(x0).uniform_(-eps, eps)).clamp(0, 1)
    for _ in range(steps):
        adv.requires_grad_(True)
        out = net((adv - mean) / std)
        loss = torch.nn.functional.cross_entropy(out, labels, reduction="sum")
        (g,) = torch.autograd.grad(loss, adv)
        adv = adv.detach() + alpha * g.sign()
        adv = (x0 + (adv - x0).clamp(-eps, eps)).clamp(0, 1)
    return adv


for _ in range(int(args["warmup"])):
    pgd()
ts = []
for _ in range(int(args["reps"])):
    t0 = time.perf_counter()
    pgd()
    ts.append(time.perf_counter() - t0)
ts.sort()
print(json.dumps({"torch": torch.__version__, "seconds": ts[len(ts) // 2], "state_numel": numel}))
