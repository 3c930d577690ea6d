# Multiply-accumulates of one forward pass as PyTorch's flop counter (torch.utils.flop_counter) counts them, for
# the engine profiler's test: the graph config the engine runs (scripts/bench/torch_build.build_config), RepLKNet
# re-parameterised as the engine runs it. Reads dir/cases.json: [{"name", "family", "config", "batch", "size"}];
# writes dir/out_<i>.npy = [flops / 2 per op kind in `OPS` order] as float64.
import json
import os
import sys

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "bench"))
from torch_build import build_config  # noqa: E402

OPS = ["convolution", "addmm", "mm", "bmm"]

out_dir = sys.argv[1]
torch.manual_seed(0)
for i, c in enumerate(json.load(open(os.path.join(out_dir, "cases.json")))):
    model = build_config(c["family"], c["config"])
    if c["family"] == "replknet":
        model.reparameterize()
    model = model.eval()
    x = torch.rand(c["batch"], 3, c["size"], c["size"])
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    counts = {str(k).split(".")[-1]: v for k, v in counter.get_flop_counts()["Global"].items()}
    unknown = set(counts) - set(OPS)
    if unknown:
        raise SystemExit(f"flop_count: op kinds the test does not expect: {sorted(unknown)}")
    np.save(os.path.join(out_dir, f"out_{i}.npy"), np.array([counts.get(op, 0) / 2 for op in OPS], dtype=np.float64))
