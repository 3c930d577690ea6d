# PyTorch side of `lkrobust bench train`: training images/s of the same model (torch_build.build_config from the
# same config), channels-last, same threads and batch: train-mode forward, label-smoothed cross-entropy, backward,
# AdamW (or SGD) step with timm's no-decay groups. Usage: torch_train.py '{"name", "family", "batch", "size",
# "threads", "reps", "warmup", "config", "optimizer"}' -> prints one JSON line {"torch", "step_s", "state_numel"}.
import json
import sys
import time

import torch

from torch_build import build_config, state_numel  # this script's directory is on sys.path

args = json.loads(sys.argv[1])
torch.set_num_threads(int(args["threads"]))
torch.manual_seed(0)
model = build_config(args["family"], args["config"]).train().to(memory_format=torch.channels_last)
decay = [p for n, p in model.named_parameters() if p.ndim > 1 and not n.endswith(".bias")]
no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1 or n.endswith(".bias")]
groups = [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}]
opt = torch.optim.AdamW(groups, lr=1e-3) if args["optimizer"] == "adamw" else torch.optim.SGD(groups, lr=0.01, momentum=0.9, nesterov=True)
b, s = int(args["batch"]), int(args["size"])
classes = int(args["config"].get("num_classes", 10))
x = torch.rand(b, 3, s, s).contiguous(memory_format=torch.channels_last)
labels = torch.randint(0, classes, (b,))


def step():
    opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.cross_entropy(model(x), labels, label_smoothing=0.1)
    loss.backward()
    opt.step()


for _ in range(int(args["warmup"])):
    step()
ts = []
for _ in range(int(args["reps"])):
    t0 = time.perf_counter()
    step()
    ts.append(time.perf_counter() - t0)
ts.sort()
print(json.dumps({"torch": torch.__version__, "step_s": ts[len(ts) // 2], "state_numel": state_numel(model)}))
