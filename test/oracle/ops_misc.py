# PyTorch references (float64, autograd) for the norm, activation, elementwise, pooling, attention and loss
# ops, driven by cases.json: a list of {id, op, inputs: [array names], attrs, dy?: name, wrt?: [input indices]}.
# Arrays are channels-last as the engine has them; NCHW ops (group norm, pools, pad) get permuted views.
# Writes out_<id>_y (and out_<id>_y1 for attention's probs) and out_<id>_d<i> = dL/dinput_i for L = <y, dy>.

import torch
import torch.nn.functional as F

from npyio import cases, load, save

torch.set_grad_enabled(True)
nchw = lambda a: a.permute(0, 3, 1, 2)
nhwc = lambda a: a.permute(0, 2, 3, 1)


def pool_args(a):
    # PyTorch pools take symmetric padding: the cases only use pad_t == pad_b, pad_l == pad_r.
    assert a["pad_t"] == a["pad_b"] and a["pad_l"] == a["pad_r"], "PyTorch pools need symmetric padding"
    return dict(kernel_size=(a["kernel_h"], a["kernel_w"]), stride=(a["stride_h"], a["stride_w"]),
                padding=(a["pad_t"], a["pad_l"]))


def attention(q, k, v, a):
    scale = a["scale"]
    probs = torch.softmax(q @ k.transpose(-1, -2) * scale, -1)
    out = F.scaled_dot_product_attention(q, k, v, scale=scale)
    return out, probs


OPS = {
    "batch_norm": lambda x, g, b, m, v, a: F.batch_norm(x.movedim(-1, 1), m, v, g, b, training=False,
                                                        eps=a["eps"]).movedim(1, -1),
    "layer_norm": lambda x, g, b, a: F.layer_norm(x, (x.shape[-1],), g, b, a["eps"]),
    "group_norm": lambda x, g, b, a: nhwc(F.group_norm(nchw(x), a["groups"], g, b, a["eps"])),
    "pixel_normalize": lambda x, a: (x - torch.tensor(a["mean"], dtype=x.dtype)) / torch.tensor(a["std"], dtype=x.dtype),
    "relu": lambda x, a: F.relu(x),
    "gelu": lambda x, a: F.gelu(x, approximate=a.get("approx", "none")),
    "softmax": lambda x, a: F.softmax(x, -1),
    "add": lambda x, y, a: x + y,
    "mul": lambda x, y, a: x * y,
    "permute": lambda x, a: x.permute(*a["dims"]),
    "avg_pool2d": lambda x, a: nhwc(F.avg_pool2d(nchw(x), count_include_pad=a.get("count_include_pad", True),
                                                 **pool_args(a))),
    "max_pool2d": lambda x, a: nhwc(F.max_pool2d(nchw(x), **pool_args(a))),
    "global_avg_pool": lambda x, a: x.mean(dim=(1, 2)),
    "pad2d": lambda x, a: nhwc(F.pad(nchw(x), (a["pad_l"], a["pad_r"], a["pad_t"], a["pad_b"]), value=a.get("value", 0.0))),
    "attention": lambda q, k, v, a: attention(q, k, v, a),
    "cross_entropy": lambda x, a: F.cross_entropy(x, torch.tensor(a["labels"]), reduction="none"),
}

for c in cases():
    wrt = c.get("wrt", list(range(len(c["inputs"])))) if c.get("dy") else []
    xs = [torch.tensor(load(n), dtype=torch.float64, requires_grad=i in wrt) for i, n in enumerate(c["inputs"])]
    ys = OPS[c["op"]](*xs, c.get("attrs", {}))
    ys = ys if isinstance(ys, tuple) else (ys,)
    for i, y in enumerate(ys):
        save(f"{c['id']}_y" + (str(i) if i else ""), y.detach().numpy())
    if c.get("dy"):
        dy = torch.tensor(load(c["dy"]), dtype=torch.float64)
        grads = torch.autograd.grad(ys[0], [xs[i] for i in wrt], dy)
        for i, g in zip(wrt, grads):
            save(f"{c['id']}_d{i}", g.numpy())
