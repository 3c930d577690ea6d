# PyTorch side of `lkrobust bench attack --attack apgd-ce`: seconds for one run of the reference AutoAttack's
# APGD-CE (vendored fra31/auto-attack, autoattack.autopgd_base.APGDAttack: L∞, 1 restart, `steps` iterations)
# on a batch whose labels are the model's own clean predictions, the normalisation inside the model,
# channels-last, same threads and batch as ours. Median over reps after warmup.
# Usage: apgd_torch.py '{"name", "family", "config", "batch", "size", "threads", "steps", "eps", "reps", "warmup",
#                        "mean", "std"}'  -> prints one JSON line {"torch", "seconds", "robust"}.
import json
import sys
import time

import torch

from autoattack.autopgd_base import APGDAttack
from torch_build import build, state_numel  # this script's directory is on sys.path

args = json.loads(sys.argv[1])
torch.set_num_threads(int(args["threads"]))
torch.manual_seed(0)
net = build(args["family"], args["name"], args.get("config", {}))
numel = state_numel(net)  # as the checkpoint holds it (before RepLKNet's fusion), for the same-model check
if args["family"] == "replknet":
    net.reparameterize()
net = net.eval().to(memory_format=torch.channels_last)
for p in net.parameters():
    p.requires_grad_(False)
mean = torch.tensor(args["mean"]).view(1, 3, 1, 1)
std = torch.tensor(args["std"]).view(1, 3, 1, 1)


class Normalized(torch.nn.Module):
    def forward(self, x):
        return net((x - mean) / std)


model = Normalized()
b, s = int(args["batch"]), int(args["size"])
x = torch.rand(b, 3, s, s).contiguous(memory_format=torch.channels_last)
with torch.no_grad():
    y = model(x).argmax(1)
attack = APGDAttack(model, n_iter=int(args["steps"]), norm="Linf", n_restarts=1, eps=float(args["eps"]), seed=0, loss="ce", device="cpu")
robust = None
for _ in range(int(args["warmup"])):
    attack.perturb(x, y)
ts = []
for _ in range(int(args["reps"])):
    t0 = time.perf_counter()
    adv = attack.perturb(x, y)
    ts.append(time.perf_counter() - t0)
with torch.no_grad():
    robust = int((model(adv).argmax(1) == y).sum())
ts.sort()
print(json.dumps({"torch": torch.__version__, "seconds": ts[len(ts) // 2], "robust": robust, "state_numel": numel}))
