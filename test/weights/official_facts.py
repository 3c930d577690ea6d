# The official-weights facts as the publishers' own packages state them: timm's pretrained cfgs (hf_hub_id,
# legacy URL, licence, input size, crop, interpolation, classes) and torchvision's weight enums (URL, acc@1).
# Reads cases.json {"timm": ["arch.tag", ...], "torchvision": [["resnet50", "IMAGENET1K_V1"], ...]}; writes
# facts.json beside it.
import json
import os
import sys

import timm
import torchvision
from timm.models import get_pretrained_cfg

folder = sys.argv[1]
with open(os.path.join(folder, "cases.json")) as f:
    cases = json.load(f)
out = {"timm_version": timm.__version__, "torchvision_version": torchvision.__version__, "timm": {}, "torchvision": {}}
for name in cases["timm"]:
    c = get_pretrained_cfg(name)
    d = c.to_dict() if c is not None else None
    out["timm"][name] = None if d is None else {
        "hf_hub_id": d.get("hf_hub_id"), "url": d.get("url"), "license": d.get("license"), "input_size": list(d.get("input_size")),
        "crop_pct": d.get("crop_pct"), "interpolation": d.get("interpolation"), "num_classes": d.get("num_classes"),
        "mean": list(d.get("mean")), "std": list(d.get("std")),
    }
for model, tag in cases["torchvision"]:
    w = torchvision.models.get_model_weights(model)[tag]
    out["torchvision"][f"{model}:{tag}"] = {"url": w.url, "acc1": w.meta["_metrics"]["ImageNet-1K"]["acc@1"]}
with open(os.path.join(folder, "facts.json"), "w") as f:
    json.dump(out, f)
