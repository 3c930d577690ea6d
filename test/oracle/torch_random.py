# torch's CPU stream for test/util/torch_random.test.ts. cases: seeds, sizes. For each (seed, size):
#   out_rand_<seed>_<size>:  torch.manual_seed(seed); torch.rand(size) then torch.rand(5) (does the stream go on
#                            one draw per value?), concatenated, float32 values stored as float64;
#   out_randn_<seed>_<size>: the same with torch.randn(size) then torch.rand(5) (size ≥ 16);
#   out_rand4d_<seed>:       torch.rand(shape4d) flattened (NCHW order), as APGD's `torch.rand(x.shape)` draws;
#   out_default_f32:         1 if torch.rand's default dtype is float32 (APGD calls it without a dtype).
import numpy as np
import torch

from npyio import cases, save

c = cases()
save("default_f32", np.array([float(torch.rand(1).dtype == torch.float32)]))
for seed in c["seeds"]:
    for n in c["sizes"]:
        torch.manual_seed(seed)
        save(f"rand_{seed}_{n}", torch.cat([torch.rand(n), torch.rand(5)]).double().numpy())
        if n >= 16:
            torch.manual_seed(seed)
            save(f"randn_{seed}_{n}", torch.cat([torch.randn(n), torch.rand(5)]).double().numpy())
    torch.manual_seed(seed)
    save(f"rand4d_{seed}", torch.rand(*c["shape4d"]).flatten().double().numpy())
