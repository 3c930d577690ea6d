# RepLKNet oracle (the independent reference in scripts/replknet_reference.py).
# cases.json:
#   {"mode": "keys", "configs": {name: config}}  -> keys.json: {name: [[key, shape], ...]} (meta device, no data)
#   {"mode": "parity", "config": {...}, "seed": s, "labels": [...], "pth": bool, "skip_units": [...], "fused": bool}
#   with x.npy (N,H,W,3) in [0,1]: random weights and BN statistics saved as w.safetensors (and w.pth); float64
#   logits and d(sum CE)/dx (NHWC) of the unfused model; with skip_units, the lesioned logits (those residual
#   units' branches replaced by identity); with fused, the model re-parameterised by the reference (in float32,
#   as a released fused checkpoint would be) saved as w_fused.safetensors, its float64 logits and the fused
#   kernels of the first and last large_kernel.
import json
import os
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import replknet_reference as R  # noqa: E402

from npyio import cases, folder, load, save  # noqa: E402

MEAN = {"imagenet": (0.485, 0.456, 0.406), "half": (0.5, 0.5, 0.5)}
STD = {"imagenet": (0.229, 0.224, 0.225), "half": (0.5, 0.5, 0.5)}


def make(cfg):
    return R.RepLKNet(kernels=cfg["kernels"], layers=cfg["layers"], channels=cfg["channels"],
                      small_kernel=cfg.get("small_kernel", 0), dw_ratio=cfg.get("dw_ratio", 1.0),
                      ffn_ratio=cfg.get("ffn_ratio", 4.0), num_classes=cfg.get("num_classes", 1000))


c = cases()
if c["mode"] == "keys":
    out = {}
    for name, cfg in c["configs"].items():
        with torch.device("meta"):
            m = make(cfg)
        out[name] = [[k, list(v.shape)] for k, v in m.state_dict().items()]
        if name == "replknet_31b":
            assert len(out[name]) == 1171, len(out[name])
    with open(os.path.join(folder(), "keys.json"), "w") as f:
        json.dump(out, f)
    sys.exit(0)

torch.manual_seed(c.get("seed", 0))
model = R.randomize(make(c["config"]), c.get("seed", 0)).eval()
sd = {k: v.contiguous() for k, v in model.state_dict().items()}
if c.get("pth"):
    torch.save(sd, os.path.join(folder(), "w.pth"))
save_file(sd, os.path.join(folder(), "w.safetensors"))
labels = torch.tensor(c["labels"])
norm = c.get("norm", "imagenet")


def run(m, dtype, grad=True):
    x = torch.tensor(load("x"), dtype=dtype).permute(0, 3, 1, 2).requires_grad_(grad)
    mean = torch.tensor(MEAN[norm], dtype=dtype).view(1, 3, 1, 1)
    std = torch.tensor(STD[norm], dtype=dtype).view(1, 3, 1, 1)
    logits = m.to(dtype)((x - mean) / std)
    if not grad:
        return logits.detach().double().numpy(), None
    torch.nn.functional.cross_entropy(logits, labels, reduction="sum").backward()
    return logits.detach().double().numpy(), x.grad.permute(0, 2, 3, 1).double().numpy()


logits, grad = run(model, torch.float64)
save("logits", logits)
save("grad", grad)

units = model.units()
if c.get("skip_units"):
    saved = {i: units[i].forward for i in c["skip_units"]}
    for i in saved:
        units[i].forward = lambda z: z
    with torch.no_grad():
        save("logits_lesion", run(model, torch.float64, grad=False)[0])
    for i, f in saved.items():
        units[i].forward = f

if not c.get("fused"):
    sys.exit(0)
# Re-parameterise in float32 (as a released fused checkpoint would be), save it, then run it in float64.
model.float().reparameterize()
fsd = {k: v.contiguous() for k, v in model.state_dict().items()}
save_file(fsd, os.path.join(folder(), "w_fused.safetensors"))
with torch.no_grad():
    save("logits_fused", run(model, torch.float64, grad=False)[0])
lks = [u.large_kernel for u in units if isinstance(u, R.RepLKBlock)]
save("kernel_first", lks[0].lkb_reparam.weight.detach().double().numpy())
save("kernel_last", lks[-1].lkb_reparam.weight.detach().double().numpy())
