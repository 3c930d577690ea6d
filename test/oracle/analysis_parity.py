# The analyses' oracle: a timm model (or, with "replknet", the RepLKNet reference in scripts/) with seeded random
# weights (saved as w.safetensors for our engine), and in
# float64 (ERF: float32 with erf_dtype) whatever the case asks for:
#   lesion:    logits with the listed modules replaced by identity (a forward hook returning the module's input;
#              "zero:<module>" zeroes that module's output instead)
#   variance:  feature-map variance of hooked module outputs ("pre:<module>": its input; token maps drop the first
#              `drop_tokens` tokens, the class token, as released), computed with NumPy (torch's default unbiased
#              variance over H·W): released = batch-mean map -> spatial variance per channel -> mean over channels;
#              per_image = each image's spatial variance, averaged over images and channels
#   erf:       RepLKNet's erf tool on forward_features: grad of sum_c relu(F[:, c, h/2, w/2]) w.r.t. the normalised
#              input, relu, summed over batch and colour channels, divided by the batch size
#   attention: the last block's attention (computed from its input: norm1 -> qkv -> softmax(q k^T scale)), the
#              class-token row over the patches, every head: (N, heads, T-1); and for `lambdas`, the released
#              DINO mask of head `head` (sort, normalise, cumsum > 1 - lambda, unsort): (N, T-1) of 0/1
# Input x is NHWC in [0, 1]; the model sees (x - mean) / std in NCHW.
import copy
import os
import sys

import numpy as np
import timm
import torch
from safetensors.torch import save_file

from random_weights import randomize_, state_dict_of
from npyio import cases, folder, load, save

c = cases()
torch.manual_seed(c.get("seed", 0))
if "replknet" in c:  # the independent RepLKNet reference (scripts/replknet_reference.py), official key names
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
    import replknet_reference as R  # noqa: E402

    model = R.randomize(R.build(c["replknet"]), seed=c.get("seed", 0)).eval()
else:
    model = timm.create_model(c["timm"], pretrained=False, **c.get("kwargs", {})).eval()
    randomize_(model, fan_in_gain=1.0, gains={".qkv.": c.get("qkv_gain", 1.0)})
sd = state_dict_of(model)
save_file(sd, os.path.join(folder(), "w.safetensors"))
model32 = model  # float32 weights, for an ERF asked in float32 (erf_dtype)

model = copy.deepcopy(model).double()
x = torch.tensor(load("x"), dtype=torch.float64).permute(0, 3, 1, 2).contiguous()
mean = torch.tensor(c["mean"], dtype=torch.float64).view(1, 3, 1, 1)
std = torch.tensor(c["std"], dtype=torch.float64).view(1, 3, 1, 1)
xn = (x - mean) / std


def identity_hook(module, inputs, output):
    return inputs[0]


def zero_hook(module, inputs, output):
    return torch.zeros_like(output)


# A name "zero:<module>" zeroes that module's output instead (a residual branch removed, the shortcut kept, for
# blocks whose shortcut is a projection and so cannot become the identity).
for i, names in enumerate(c.get("lesion", [])):
    handles = [
        model.get_submodule(n[5:]).register_forward_hook(zero_hook) if n.startswith("zero:")
        else model.get_submodule(n).register_forward_hook(identity_hook)
        for n in names
    ]
    with torch.no_grad():
        save(f"lesion_{i}", model(xn).numpy())
    for h in handles:
        h.remove()

if "variance" in c:
    outs = {}
    handles = []
    for rec, mod in c["variance"]:
        # "pre:<module>": the module's input (e.g. a ViT block's state after its attention residual = norm2's input)
        if mod.startswith("pre:"):
            def keep_in(module, inputs, rec=rec):
                outs[rec] = inputs[0].detach()
            handles.append(model.get_submodule(mod[4:]).register_forward_pre_hook(keep_in))
        else:
            def keep(module, inputs, output, rec=rec):
                outs[rec] = output.detach()
            handles.append(model.get_submodule(mod).register_forward_hook(keep))
    with torch.no_grad():
        model(xn)
    for h in handles:
        h.remove()
    released, per_image = [], []
    for rec, _ in c["variance"]:
        a = outs[rec].numpy()
        if a.ndim == 3:  # tokens (B, T, C): T positions, channels last; the class token dropped as released
            a = np.transpose(a[:, c.get("drop_tokens", 0):], (0, 2, 1))[..., None]
        a = a.reshape(a.shape[0], a.shape[1], -1)  # (B, C, P)
        released.append(a.mean(axis=0).var(axis=-1, ddof=1).mean())
        per_image.append(a.var(axis=-1, ddof=1).mean())
    save("var_released", np.array(released))
    save("var_per_image", np.array(per_image))

if c.get("erf"):
    # float32 where float64 would take minutes (RepLKNet's large-kernel depthwise backward on CPU)
    f32 = c.get("erf_dtype") == "float32"
    xg = (xn.float() if f32 else xn.clone()).requires_grad_(True)
    f = (model32 if f32 else model).forward_features(xg)
    if f.ndim == 3:  # ViT tokens (B, 1 + g*g, C): the central patch token
        g = int(round((f.shape[1] - 1) ** 0.5))
        central = torch.relu(f[:, 1 + (g // 2) * g + g // 2]).sum()
    else:
        h, w = f.shape[2], f.shape[3]
        central = torch.relu(f[:, :, h // 2, w // 2]).sum()
    (g,) = torch.autograd.grad(central, xg)
    erf = (torch.relu(g).sum(dim=(0, 1)) / x.shape[0]).double().numpy()
    save("erf", erf)
    # analyze_erf.py: log10(v + 1), rescaled to max 1; first centred square (side 2i + 1) holding > t; -1 if none.
    d = np.log10(erf + 1)
    d = d / np.max(d)
    H, W = d.shape
    ratios = []
    for t in [0.2, 0.3, 0.5, 0.99]:
        r = -1.0
        for i in range(1, H // 2):
            if np.sum(d[H // 2 - i:H // 2 + 1 + i, W // 2 - i:W // 2 + 1 + i]) / np.sum(d) > t:
                r = (i * 2 + 1) / H * (i * 2 + 1) / W
                break
        ratios.append(r)
    save("erf_ratios", np.array(ratios))
    save("features", (f if f.ndim == 3 else f.permute(0, 2, 3, 1)).detach().numpy())

if c.get("attention"):
    inputs = {}
    blk = model.blocks[-1]
    handle = blk.register_forward_pre_hook(lambda m, a: inputs.__setitem__("x", a[0].detach()))
    with torch.no_grad():
        model(xn)
        handle.remove()
        t = inputs["x"]
        B, T, D = t.shape
        heads = blk.attn.num_heads
        qkv = blk.attn.qkv(blk.norm1(t)).reshape(B, T, 3, heads, D // heads).permute(2, 0, 3, 1, 4)
        q, k = blk.attn.q_norm(qkv[0]), blk.attn.k_norm(qkv[1])
        att = torch.softmax(q @ k.transpose(-2, -1) * (D // heads) ** -0.5, dim=-1)
    cls = att[:, :, 0, 1:]
    save("attention", cls.numpy())
    a = cls[:, c.get("head", 1)].clone()
    for j, lam in enumerate(c.get("lambdas", [])):
        val, idx = torch.sort(a)
        val = val / torch.sum(val, dim=1, keepdim=True)
        marked = torch.cumsum(val, dim=1) > (1 - lam)
        unsorted = torch.zeros_like(marked)
        unsorted.scatter_(1, idx, marked)
        save(f"mask_{j}", unsorted.double().numpy())
