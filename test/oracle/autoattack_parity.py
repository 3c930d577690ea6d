# The reference AutoAttack (vendored fra31/auto-attack) on a small trained model, for test/attacks/autoattack_oracle.test.ts.
# Trains the demo ConvNeXt (timm ConvNeXt, depths 1/1/1/1, dims 16/32/64/128, 1000 outputs) for a few seconds on
# a synthetic 10-class 32×32 dataset so that its margins look trained, saves it as w.safetensors, and writes:
#   out_x (N, 32, 32, 3) NHWC test images in [0,1], out_y labels;
#   per attack in cases["attacks"], out_robust_<attack>: 1 where the image survives that attack run alone
#   (version 'custom', the 'standard' settings), on the same weights, ε and seed; out_robust_apgd_ce_seed<s> for
#   cases["extra_seeds"] (the reference's own spread over random starts);
#   out_dlr_* : the DLR losses and their input gradients in float64 (untargeted and targeted, given targets);
#   out_start_<norm>: the reference's own APGD random start (seed 0) on the clean-correct images, L∞ at ε and L2 at
#   cases["eps_l2"]: the input its model sees at a run's first gradient step, NHWC;
#   out_flags_<model>: the sanity-check flags [randomized, softmax_output, dynamic] the reference's checks raise
#   on the plain model, a randomised one (Gaussian input noise) and one with a softmax output.
import json
import os

import numpy as np
import timm
import torch
from safetensors.torch import save_file

from autoattack import AutoAttack, checks
from autoattack.autopgd_base import APGDAttack
from npyio import cases, folder, save

c = cases()
torch.manual_seed(int(c.get("seed", 0)))
torch.set_num_threads(1)
K, S, N = 10, 32, int(c["n"])
mean = torch.tensor(c["mean"]).view(1, 3, 1, 1)
std = torch.tensor(c["std"]).view(1, 3, 1, 1)

# Ten classes: a smooth colour pattern per class plus per-image noise and a random brightness.
g = torch.Generator().manual_seed(1)
protos = torch.rand(K, 3, 4, 4, generator=g)
protos = torch.nn.functional.interpolate(protos, size=(S, S), mode="bilinear", align_corners=False)


def sample(n, gen):
    y = torch.randint(0, K, (n,), generator=gen)
    x = protos[y] * (0.6 + 0.4 * torch.rand(n, 1, 1, 1, generator=gen)) + 0.25 * torch.rand(n, 3, S, S, generator=gen)
    return x.clamp(0, 1), y


net = timm.models.convnext.ConvNeXt(depths=[1, 1, 1, 1], dims=[16, 32, 64, 128], num_classes=1000)


class Wrapped(torch.nn.Module):
    """[0,1] NCHW in, logits out: the normalisation inside, as the engine model has it."""

    def __init__(self, net, noise=0.0, softmax=False):
        super().__init__()
        self.net, self.noise, self.softmax = net, noise, softmax

    def forward(self, x):
        if self.noise:
            x = x + self.noise * torch.randn_like(x)
        z = self.net((x - mean) / std)
        return z.softmax(-1) if self.softmax else z


model = Wrapped(net)
opt = torch.optim.AdamW(net.parameters(), lr=3e-3)
for step in range(int(c.get("train_steps", 80))):
    xb, yb = sample(32, g)
    loss = torch.nn.functional.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
net.eval()
for p in net.parameters():
    p.requires_grad_(False)
save_file({k: v.contiguous() for k, v in net.state_dict().items()}, os.path.join(folder(), "w.safetensors"))

x, y = sample(N, torch.Generator().manual_seed(2))
save("x", x.permute(0, 2, 3, 1).numpy())
save("y", y.numpy().astype(np.float64))
with torch.no_grad():
    save("clean_pred", model(x).argmax(1).numpy().astype(np.float64))

eps = float(c["eps"])
# APGD-CE again with other seeds: how far the reference's own verdicts move with its random start.
runs = [(a, 0) for a in c["attacks"]] + [("apgd-ce", s) for s in c.get("extra_seeds", [])]
for attack, seed in runs:
    aa = AutoAttack(model, norm=c.get("norm", "Linf"), eps=eps, version="custom", attacks_to_run=[attack], seed=seed,
                    device="cpu", verbose=False)
    # The 'standard' version's settings (custom keeps the constructor's 5 APGD restarts otherwise).
    aa.apgd.n_restarts = 1
    aa.apgd.n_iter = aa.apgd_targeted.n_iter = aa.fab.n_iter = int(c.get("iterations", 100))
    for a in (aa.apgd, aa.apgd_targeted):
        a.n_iter_orig = a.n_iter
        a.n_iter_2, a.n_iter_min, a.size_decr = max(int(0.22 * a.n_iter), 1), max(int(0.06 * a.n_iter), 1), max(int(0.03 * a.n_iter), 1)
    aa.apgd_targeted.n_target_classes = 9
    aa.fab.n_target_classes = 9
    aa.square.n_queries = int(c.get("queries", 5000))
    adv = aa.run_standard_evaluation(x, y, bs=N)
    with torch.no_grad():
        robust = (model(adv).argmax(1) == y).numpy().astype(np.float64)
    save("robust_" + attack.replace("-", "_") + (f"_seed{seed}" if seed else ""), robust)



class Recording(torch.nn.Module):
    """The model, keeping every input it is called on."""

    def __init__(self, m):
        super().__init__()
        self.m, self.inputs = m, []

    def forward(self, v):
        self.inputs.append(v.detach().clone())
        return self.m(v)


for norm, e in (("Linf", eps), ("L2", float(c.get("eps_l2", 1.0)))):
    rec = Recording(model)
    APGDAttack(rec, n_iter=1, norm=norm, eps=e, seed=0, device="cpu").perturb(x, y)
    save("start_" + norm, rec.inputs[1].permute(0, 2, 3, 1).numpy())  # inputs[0]: the clean pass

# DLR losses and their input gradients in float64, through the same model.
m64 = Wrapped(net.double())
mean, std = mean.double(), std.double()
xd = x[: int(c.get("grad_n", 4))].double().requires_grad_(True)
yd = y[: xd.shape[0]]
z = m64(xd)
zs, ind = z.sort(dim=1)
u = torch.arange(xd.shape[0])
top_is_y = (ind[:, -1] == yd).double()
dlr = -(z[u, yd] - zs[:, -2] * top_is_y - zs[:, -1] * (1 - top_is_y)) / (zs[:, -1] - zs[:, -3] + 1e-12)
(gx,) = torch.autograd.grad(dlr.sum(), xd)
save("dlr_loss", dlr.detach().numpy())
save("dlr_grad", gx.permute(0, 2, 3, 1).numpy())
tgt = ind[:, -2]  # the runner-up class as target
z = m64(xd)
zs, _ = z.sort(dim=1)
dlrt = -(z[u, yd] - z[u, tgt]) / (zs[:, -1] - 0.5 * (zs[:, -3] + zs[:, -4]) + 1e-12)
(gt,) = torch.autograd.grad(dlrt.sum(), xd)
save("dlrt_target", tgt.numpy().astype(np.float64))
save("dlrt_loss", dlrt.detach().numpy())
save("dlrt_grad", gt.permute(0, 2, 3, 1).numpy())
net.float()
mean, std = mean.float(), std.float()


class Capture:
    def __init__(self):
        self.lines = []

    def log(self, s):
        self.lines.append(s)


xs, ys = x[:16], y[:16]
for name, m in (("plain", Wrapped(net)), ("randomized", Wrapped(net, noise=0.05)), ("softmax", Wrapped(net, softmax=True))):
    cap = Capture()
    torch.manual_seed(0)
    checks.check_randomized(m, xs, ys, bs=16, logger=cap)
    checks.check_range_output(m, xs, logger=cap)
    checks.check_dynamic(m, xs, False, logger=cap)
    text = "\n".join(cap.lines)
    save("flags_" + name, np.array([("randomized" in text), ("probability" in text), ("dynamic" in text)], dtype=np.float64))
