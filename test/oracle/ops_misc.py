# PyTorch float64 references (autograd) for the norms, activations, pooling, attention and cross-entropy.
import numpy as np
import torch
import torch.nn.functional as F

from npyio import load, save

t = lambda n, grad=True: torch.tensor(load(n), dtype=torch.float64, requires_grad=grad)
x, g, b = t("x"), t("g"), t("b")
dy = t("dy", False)
nchw = lambda a: a.permute(0, 3, 1, 2)
nhwc = lambda a: a.permute(0, 2, 3, 1)


def out(name, y, wrt=(), seed=None):
    save(name, y.detach().numpy())
    if wrt:
        grads = torch.autograd.grad(y, wrt, dy if seed is None else seed, retain_graph=True)
        for suffix, gr in zip(["dx", "dg", "db"], grads):
            save(f"{name}_{suffix}", gr.numpy())


out("ln", F.layer_norm(x, (12,), g, b, 1e-6), (x, g, b))
out("gn", nhwc(F.group_norm(nchw(x), 3, g, b, 1e-5)), (x,))
out("gelu", F.gelu(x), (x,))
out("gelu_tanh", F.gelu(x, approximate="tanh"))
out("softmax", F.softmax(x, -1), (x,))
out("maxpool", nhwc(F.max_pool2d(nchw(x), 3, 2, 1)))
out("avgpool", nhwc(F.avg_pool2d(nchw(x), 3, 2, 1)))
q, k, v = t("q"), t("k"), t("v")
dq = t("dq", False)
att = torch.softmax(q @ k.transpose(-1, -2) / np.sqrt(8), -1) @ v
save("att", att.detach().numpy())
for name, gr in zip(["att_dq", "att_dk", "att_dv"], torch.autograd.grad(att, (q, k, v), dq)):
    save(name, gr.numpy())
logits = t("logits")
ce = F.cross_entropy(logits, torch.tensor([1, 0, 9, 4]), reduction="none")
save("ce", ce.detach().numpy())
save("ce_dx", torch.autograd.grad(ce.sum(), logits)[0].numpy())
