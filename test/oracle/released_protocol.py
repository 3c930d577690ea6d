# The released LKRobust scripts' computations re-expressed with torch / torchvision, for --protocol released:
#   randperm:  torch.manual_seed(seed); [torch.randperm(n) for each sweep]        -> out_perms (sweeps, n)
#   bicubic:   TAIG_test.py's transform on uint8 images u8.npy (N, H, W, 3): /255, T.Resize(256, BICUBIC,
#              antialias=False) on the tensor, T.CenterCrop(224)                  -> out_scored (N, 224, 224, 3)
#   interp:    F.interpolate(x, size_i, mode='bicubic', align_corners=False) on x.npy -> out_interp_i
#   loaders:   PIL: T.Resize((256, 256)) + CenterCrop(224) (TAIG crafting), T.Resize(256) + CenterCrop(224)
#              (occlusion, feature variance: bilinear), T.Resize(256, BICUBIC) + CenterCrop(224) (attacks,
#              lesion), each + ToTensor, on the image files listed                -> out_<name> (N, 224, 224, 3)
import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms as T
from PIL import Image

from npyio import cases, load, save

c = cases()
if "randperm" in c:
    r = c["randperm"]
    torch.manual_seed(r["seed"])
    save("perms", np.stack([torch.randperm(r["n"]).numpy() for _ in range(r["sweeps"])]).astype(np.float64))
if c.get("bicubic"):
    u8 = torch.from_numpy(load("u8")).permute(0, 3, 1, 2).float() / 255
    trans = T.Compose([T.Resize(256, interpolation=T.InterpolationMode.BICUBIC, antialias=False), T.CenterCrop(224)])
    save("scored", trans(u8).permute(0, 2, 3, 1).numpy())
for i, size in enumerate(c.get("interp", [])):
    x = torch.from_numpy(load("x")).permute(0, 3, 1, 2)
    y = F.interpolate(x, size=tuple(size), mode="bicubic", align_corners=False)
    save(f"interp_{i}", y.permute(0, 2, 3, 1).numpy())
loaders = {
    "taig": T.Compose([T.Resize((256, 256)), T.CenterCrop((224, 224)), T.ToTensor()]),
    "bilinear256": T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor()]),
    "bicubic256": T.Compose([T.Resize(256, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(224), T.ToTensor()]),
}
for name in c.get("loaders", []):
    imgs = [loaders[name](Image.open(f).convert("RGB")) for f in c["files"]]
    save(name, torch.stack(imgs).permute(0, 2, 3, 1).numpy())
