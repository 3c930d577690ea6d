# feature_map_variance/main.py's procedure re-expressed with torch on a timm model with seeded random weights
# (saved as w.safetensors for our engine), in float64: torch.manual_seed(0); `sweeps` permutations
# torch.randperm(n) of the n images x.npy (NHWC, [0, 1]); each sweep runs its permutation in batches of `batch`
# and keeps only its last batch's per-layer batch mean (the released loop overwrites the others); stacked over
# sweeps, torch's unbiased variance over H, W, then the mean over sweeps and channels -> out_variance (layers,).
import copy
import os

import numpy as np
import timm
import torch
from safetensors.torch import save_file

from random_weights import randomize_, state_dict_of
from npyio import cases, folder, load, save

c = cases()
torch.manual_seed(c.get("weights_seed", 3))
model = timm.create_model(c["timm"], pretrained=False, **c.get("kwargs", {})).eval()
randomize_(model, fan_in_gain=1.0)
save_file(state_dict_of(model), os.path.join(folder(), "w.safetensors"))
model = copy.deepcopy(model).double()

x = torch.tensor(load("x"), dtype=torch.float64).permute(0, 3, 1, 2).contiguous()
mean = torch.tensor(c["mean"], dtype=torch.float64).view(1, 3, 1, 1)
std = torch.tensor(c["std"], dtype=torch.float64).view(1, 3, 1, 1)
n, batch, sweeps = x.shape[0], c["batch"], c["sweeps"]

torch.random.manual_seed(0)
perms = [torch.randperm(n) for _ in range(sweeps)]

outs = {}
for name in c["layers"]:
    def keep(module, inputs, output, name=name):
        outs[name] = output.detach()
    model.get_submodule(name).register_forward_hook(keep)

latents = []
with torch.no_grad():
    for sweep in range(sweeps):
        order = perms[sweep]
        for start in range(0, n, batch):
            xs = (x[order[start:start + batch]] - mean) / std
            model(xs)
            latents_item = [torch.mean(outs[name], dim=0) for name in c["layers"]]
        latents.append(latents_item)  # only the last batch of the sweep survives, as released

variances = []
for i in range(len(c["layers"])):
    latent = torch.stack([latents[s][i] for s in range(sweeps)], dim=0)  # (sweeps, C, H, W)
    variances.append(latent.var(dim=[-1, -2]).mean(dim=[0, 1]).item())
save("variance", np.array(variances, dtype=np.float64))
save("perms", torch.stack(perms).numpy().astype(np.float64))
