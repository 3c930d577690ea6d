#!/usr/bin/env python3
"""An independent PyTorch RepLKNet, written from REFERENCE.md §1.1 (not from the official code), with the official
state-dict key names, for checking lkrobust's native graph.

    python scripts/replknet_reference.py [--config 31B|31L|XL|3B] [--size 224] [--out w.safetensors] [--reparam]

builds the model with random weights and random BN statistics, prints its key count and the logits' shape on a
random input, and optionally saves the state dict (re-parameterised with --reparam).

Layout: stem.{0..3} (conv_bn_relu), stages.i.blocks.{2j: RepLK block, 2j+1: ConvFFN}, transitions.i.{0,1},
norm (BN), head (Linear). conv_bn = `.conv` (no bias) + `.bn` (BatchNorm2d, eps 1e-5).
"""
import argparse
import math

import torch
from torch import nn
import torch.nn.functional as F

CONFIGS = {
    "31B": dict(kernels=[31, 29, 27, 13], layers=[2, 2, 18, 2], channels=[128, 256, 512, 1024], small_kernel=5, dw_ratio=1.0),
    "31L": dict(kernels=[31, 29, 27, 13], layers=[2, 2, 18, 2], channels=[192, 384, 768, 1536], small_kernel=5, dw_ratio=1.0),
    "XL": dict(kernels=[27, 27, 27, 13], layers=[2, 2, 18, 2], channels=[256, 512, 1024, 2048], small_kernel=0, dw_ratio=1.5),
    "3B": dict(kernels=[3, 3, 3, 3], layers=[2, 2, 18, 2], channels=[128, 256, 512, 1024], small_kernel=0, dw_ratio=1.0),
}
BN_EPS = 1e-5


class ConvBN(nn.Module):
    """Bias-free conv followed by BatchNorm2d; optional ReLU (conv_bn / conv_bn_relu)."""

    def __init__(self, cin, cout, k, stride=1, groups=1, relu=False):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=BN_EPS)
        self.relu = relu

    def forward(self, x):
        y = self.bn(self.conv(x))
        return F.relu(y) if self.relu else y

    def fused(self):
        """(weight, bias) of the single conv equal to conv -> BN at eval."""
        t = self.bn.weight / torch.sqrt(self.bn.running_var + self.bn.eps)
        w = self.conv.weight * t.reshape(-1, 1, 1, 1)
        b = self.bn.bias - self.bn.running_mean * t
        return w, b


class LargeKernel(nn.Module):
    """Depthwise K x K conv_bn plus an optional parallel small depthwise conv_bn; the sum of both."""

    def __init__(self, ch, k, small):
        super().__init__()
        self.k = k
        self.lkb_origin = ConvBN(ch, ch, k, groups=ch)
        if small:
            self.small_conv = ConvBN(ch, ch, small, groups=ch)

    def forward(self, x):
        if hasattr(self, "lkb_reparam"):
            return self.lkb_reparam(x)
        y = self.lkb_origin(x)
        if hasattr(self, "small_conv"):
            y = y + self.small_conv(x)
        return y

    def fused_kernel(self):
        w, b = self.lkb_origin.fused()
        if hasattr(self, "small_conv"):
            ws, bs = self.small_conv.fused()
            p = (self.k - ws.shape[-1]) // 2
            w = w + F.pad(ws, [p, p, p, p])
            b = b + bs
        return w, b

    def reparameterize(self):
        if hasattr(self, "lkb_reparam"):
            return
        w, b = self.fused_kernel()
        ch = w.shape[0]
        conv = nn.Conv2d(ch, ch, self.k, padding=self.k // 2, groups=ch, bias=True).to(w.device, w.dtype)
        with torch.no_grad():
            conv.weight.copy_(w)
            conv.bias.copy_(b)
        self.lkb_reparam = conv
        del self.lkb_origin
        if hasattr(self, "small_conv"):
            del self.small_conv


class RepLKBlock(nn.Module):
    def __init__(self, ch, dw, k, small):
        super().__init__()
        self.prelkb_bn = nn.BatchNorm2d(ch, eps=BN_EPS)
        self.pw1 = ConvBN(ch, dw, 1, relu=True)
        self.pw2 = ConvBN(dw, ch, 1)
        self.large_kernel = LargeKernel(dw, k, small)

    def forward(self, x):
        y = self.pw1(self.prelkb_bn(x))
        y = F.relu(self.large_kernel(y))
        return x + self.pw2(y)


class ConvFFN(nn.Module):
    def __init__(self, ch, hidden):
        super().__init__()
        self.preffn_bn = nn.BatchNorm2d(ch, eps=BN_EPS)
        self.pw1 = ConvBN(ch, hidden, 1)
        self.pw2 = ConvBN(hidden, ch, 1)

    def forward(self, x):
        y = F.gelu(self.pw1(self.preffn_bn(x)))  # erf GELU
        return x + self.pw2(y)


class Stage(nn.Module):
    def __init__(self, ch, n_pairs, k, small, dw_ratio, ffn_ratio):
        super().__init__()
        dw = int(round(ch * dw_ratio))
        units = []
        for _ in range(n_pairs):
            units.append(RepLKBlock(ch, dw, k, small))
            units.append(ConvFFN(ch, int(round(ch * ffn_ratio))))
        self.blocks = nn.ModuleList(units)

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x


class RepLKNet(nn.Module):
    def __init__(self, kernels, layers, channels, small_kernel=5, dw_ratio=1.0, ffn_ratio=4.0, num_classes=1000):
        super().__init__()
        c0 = channels[0]
        self.stem = nn.ModuleList([
            ConvBN(3, c0, 3, stride=2, relu=True),
            ConvBN(c0, c0, 3, groups=c0, relu=True),
            ConvBN(c0, c0, 1, relu=True),
            ConvBN(c0, c0, 3, stride=2, groups=c0, relu=True),
        ])
        self.stages = nn.ModuleList(
            Stage(channels[i], layers[i], kernels[i], small_kernel, dw_ratio, ffn_ratio) for i in range(4))
        self.transitions = nn.ModuleList(
            nn.Sequential(ConvBN(channels[i], channels[i + 1], 1, relu=True),
                          ConvBN(channels[i + 1], channels[i + 1], 3, stride=2, groups=channels[i + 1], relu=True))
            for i in range(3))
        self.norm = nn.BatchNorm2d(channels[3], eps=BN_EPS)
        self.head = nn.Linear(channels[3], num_classes)

    def units(self):
        """Residual units in forward order (index = the native graph's block index)."""
        return [b for s in self.stages for b in s.blocks]

    def forward_features(self, x):
        for layer in self.stem:
            x = layer(x)
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i < 3:
                x = self.transitions[i](x)
        return x

    def forward(self, x):
        x = self.norm(self.forward_features(x))
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    def reparameterize(self):
        """Structural re-parameterisation: every large_kernel becomes lkb_reparam.{weight,bias}."""
        for m in self.modules():
            if isinstance(m, LargeKernel):
                m.reparameterize()
        return self


def build(name="31B", **overrides):
    cfg = dict(CONFIGS[name], ffn_ratio=4.0, num_classes=1000)
    cfg.update(overrides)
    return RepLKNet(**cfg)


@torch.no_grad()
def randomize(model, seed=0):
    """Random weights and BN statistics so that folding mistakes show (default BN init would hide them)."""
    g = torch.Generator().manual_seed(seed)

    def u(t, lo, hi):
        t.copy_(torch.rand(t.shape, generator=g, dtype=t.dtype) * (hi - lo) + lo)

    for name, p in model.named_parameters():
        if p.ndim > 1:
            fan_in = math.prod(p.shape[1:])
            b = math.sqrt(3.0 / fan_in)
            u(p, -b, b)
        elif name.endswith(".bias"):
            u(p, -0.1, 0.1)
        else:
            u(p, 0.7, 1.3)
    for name, buf in model.named_buffers():
        if name.endswith("running_mean"):
            u(buf, -0.2, 0.2)
        elif name.endswith("running_var"):
            u(buf, 0.5, 1.5)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="31B", choices=sorted(CONFIGS))
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--reparam", action="store_true", help="re-parameterise before saving")
    ap.add_argument("--out", help="save the state dict (.safetensors or .pth)")
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    model = randomize(build(a.config), a.seed).eval()
    n_keys = len(model.state_dict())
    if a.config == "31B":
        assert n_keys == 1171, f"31B should have 1171 state-dict keys, has {n_keys}"
    x = torch.rand(1, 3, a.size, a.size)
    with torch.no_grad():
        y = model(x)
        if a.reparam:
            model.reparameterize()
            y2 = model(x)
            print(f"re-parameterised: max |logit difference| {float((y - y2).abs().max()):.3e}")
    print(f"RepLKNet-{a.config}: {n_keys} state-dict keys before re-param, {len(model.state_dict())} now; "
          f"logits {tuple(y.shape)}")
    if a.out:
        sd = {k: v.contiguous() for k, v in model.state_dict().items()}
        if a.out.endswith(".safetensors"):
            from safetensors.torch import save_file
            save_file(sd, a.out)
        else:
            torch.save(sd, a.out)
        print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
