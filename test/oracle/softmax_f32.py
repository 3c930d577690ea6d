# PyTorch's float32 softmax on the CPU, as the ImageNet-O reference computes its MSP: logits.npy (N, K) in,
# out_msp.npy (max softmax per row, float32) and out_lanes.npy (SIMD lanes of torch's CPU kernel) out.
import numpy as np
import torch
import torch.nn.functional as F

from npyio import load, save

x = torch.from_numpy(load("logits").astype(np.float32))
save("msp", F.softmax(x, dim=1).max(dim=1).values.numpy())
cap = torch.backends.cpu.get_cpu_capability()
save("lanes", np.array([16 if "512" in cap else 8 if "AVX2" in cap else 1], dtype=np.float32))
