# PyTorch oracle for the conv / GEMM family, in float64 (inputs are the float32 values the engine saw, widened).
# cases.json: a list of {"op": ..., "name": ...} plus the op's attributes; arrays are <name>_<input>.npy.
# Writes out_<name>_<output>.npy: the forward and, by autograd of L = <y, dy>, every input gradient.
#   conv2d:             x (N,H,W,C) NHWC, w (O, C/g, KH, KW), [b], dy -> y, dx, dw, [db]
#   linear:             x (..., in), w (out, in), [b], dy               -> y, dx, dw, [db]
#   matmul:             a, b, dy, trans_a, trans_b                      -> y, da, db
#   weight_standardize: w, dy, eps (timm StdConv2d's batch_norm form)   -> y, dw
import torch
import torch.nn.functional as F

from npyio import cases, load, save

torch.set_grad_enabled(True)


def t64(name):
    return torch.from_numpy(load(name)).double().requires_grad_(True)


def conv2d(c, x, w, b):
    xn = x.permute(0, 3, 1, 2)  # NHWC -> NCHW
    xn = F.pad(xn, (c["pad_l"], c["pad_r"], c["pad_t"], c["pad_b"]))  # asymmetric padding, explicitly
    y = F.conv2d(xn, w, b, stride=(c["stride_h"], c["stride_w"]), dilation=(c["dil_h"], c["dil_w"]), groups=c["groups"])
    return y.permute(0, 2, 3, 1)  # back to NHWC


def weight_standardize(c, w):
    o = w.shape[0]
    return F.batch_norm(w.reshape(1, o, -1), None, None, training=True, momentum=0.0, eps=c["eps"]).reshape_as(w)


def matmul(c, a, b):
    if c["trans_a"]:
        a = a.transpose(-1, -2)
    if c["trans_b"]:
        b = b.transpose(-1, -2)
    return torch.matmul(a, b)


for c in cases():
    n, op = c["name"], c["op"]
    if op == "conv2d":
        names = ["x", "w"] + (["b"] if c["bias"] else [])
        ins = {k: t64(f"{n}_{k}") for k in names}
        y = conv2d(c, ins["x"], ins["w"], ins.get("b"))
    elif op == "linear":
        names = ["x", "w"] + (["b"] if c["bias"] else [])
        ins = {k: t64(f"{n}_{k}") for k in names}
        y = F.linear(ins["x"], ins["w"], ins.get("b"))
    elif op == "matmul":
        names = ["a", "b"]
        ins = {k: t64(f"{n}_{k}") for k in names}
        y = matmul(c, ins["a"], ins["b"])
    elif op == "weight_standardize":
        names = ["w"]
        ins = {"w": t64(f"{n}_w")}
        y = weight_standardize(c, ins["w"])
    else:
        raise SystemExit(f"conv_matmul.py: unknown op {op!r}")
    dy = torch.from_numpy(load(f"{n}_dy")).double()
    grads = torch.autograd.grad((y * dy).sum(), [ins[k] for k in names])
    save(f"{n}_y", y.detach().numpy())
    for k, g in zip(names, grads):
        save(f"{n}_d{k}", g.numpy())
