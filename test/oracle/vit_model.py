# ViT reference for test/models/vit.test.ts: a timm ViT (e.g. vit_small_patch16_224, or the head-less
# vit_small_patch16_224.dino) with random weights (LN affine and biases perturbed, cls_token / pos_embed of
# unit scale so they matter), saved as .pth and .safetensors. On x (N,H,W,3) in [0,1], in float64:
#   out_logits: the model output (logits, or DINO's normed class token);
#   out_grad:   d(sum CE(labels))/dx, or d<output, dlogits>/dx when the array dlogits is given (NHWC);
#   out_attention: with "attention": the last block's softmax(q k^T * scale) class row over the patches,
#                  (N, heads, H/16, W/16), computed as DINO's get_last_selfattention does (run blocks[:-1], then
#                  the last block's norm1 and qkv).
#   out_lesion_logits: with "skip_units" (residual units 2b = block b's attention, 2b+1 its MLP), the output
#                  with those units' branches removed (identity).
# Case keys: name, mean, std, labels (or an input array dlogits), skip_units, attention, qkv_gain (scales the qkv
# weights for peaked attention), specs (model names: only write their state-dict keys and shapes as specs.json).

import numpy as np
import timm
import torch

from random_weights import save_weights, write_timm_specs
from npyio import cases, folder, load, save

c = cases()
torch.manual_seed(0)

if c.get("specs"):
    write_timm_specs(c["specs"], folder())
    raise SystemExit(0)

model = timm.create_model(c["name"], pretrained=False).eval()
with torch.no_grad():
    for n, p in model.named_parameters():
        if n in ("cls_token", "pos_embed"):
            p.normal_(0, 0.5)
        elif n.endswith("bias"):
            p.uniform_(-0.1, 0.1)
        elif p.ndim == 1:  # LayerNorm weights
            p.uniform_(0.8, 1.2)
        elif n.endswith("qkv.weight"):
            p.mul_(c.get("qkv_gain", 1.0))
sd = save_weights(model, folder())


def lesioned(block, skip_attn, skip_mlp):
    def forward(x, **kwargs):
        if not skip_attn:
            x = x + block.drop_path1(block.ls1(block.attn(block.norm1(x))))
        if not skip_mlp:
            x = x + block.drop_path2(block.ls2(block.mlp(block.norm2(x))))
        return x

    return forward


model = model.double()
x = torch.tensor(load("x"), dtype=torch.float64).permute(0, 3, 1, 2).requires_grad_(True)
mean = torch.tensor(c["mean"], dtype=torch.float64).view(1, 3, 1, 1)
std = torch.tensor(c["std"], dtype=torch.float64).view(1, 3, 1, 1)
out = model((x - mean) / std)
if "labels" in c:
    obj = torch.nn.functional.cross_entropy(out, torch.tensor(c["labels"]), reduction="sum")
else:
    obj = (out * torch.tensor(load("dlogits"), dtype=torch.float64)).sum()
obj.backward()
save("logits", out.detach().numpy())
save("grad", x.grad.permute(0, 2, 3, 1).numpy())

if c.get("attention"):
    with torch.no_grad():
        z = (x - mean) / std
        t = model._pos_embed(model.patch_embed(z))
        t = model.norm_pre(model.patch_drop(t))
        for blk in model.blocks[:-1]:
            t = blk(t)
        last = model.blocks[-1]
        h = last.norm1(t)
        B, T, D = h.shape
        heads = last.attn.num_heads
        qkv = last.attn.qkv(h).reshape(B, T, 3, heads, D // heads).permute(2, 0, 3, 1, 4)
        q, k = qkv[0], qkv[1]
        a = torch.softmax(q @ k.transpose(-2, -1) * (D // heads) ** -0.5, dim=-1)
        g = int(round(np.sqrt(T - 1)))
        save("attention", a[:, :, 0, 1:].reshape(B, heads, g, g).numpy())

if c.get("skip_units"):
    skip = set(c.get("skip_units", []))
    for b, blk in enumerate(model.blocks):
        if 2 * b in skip or 2 * b + 1 in skip:
            blk.forward = lesioned(blk, 2 * b in skip, 2 * b + 1 in skip)
    with torch.no_grad():
        save("lesion_logits", model((x - mean) / std).numpy())
