# Reference timing for `lkrobust bench loader`: Pillow + torchvision/timm (the oracle venv's) building the same
# model inputs from the same files with the same thread count, in the same run. Usage:
# python pillow_loader.py '<json>' with {"files": [...], "threads": T, "size", "crop_pct", "interpolation"}.
# Prints a "ready" JSON line with the versions, then answers each stdin line "<reps>" with one JSON line: the
# best seconds over reps for all files (Image.open(f).convert('RGB') -> timm eval transforms -> uint8 tensor),
# on a thread pool of T threads (Pillow releases the GIL while it decodes and resamples). The bench alternates
# these requests with its own timings so that both sides see the same machine load.
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import PIL
import torch
from PIL import Image, features
from timm.data.transforms_factory import transforms_imagenet_eval

args = json.loads(sys.argv[1])
torch.set_num_threads(1)
tf = transforms_imagenet_eval(img_size=args["size"], crop_pct=args["crop_pct"], interpolation=args["interpolation"],
                              use_prefetcher=True)
files = args["files"]


def load(f):
    with open(f, "rb") as fh:
        return tf(Image.open(fh).convert("RGB"))


pool = ThreadPoolExecutor(max_workers=int(args["threads"]))
list(pool.map(load, files[:4]))  # warm-up
print(json.dumps({"ready": True, "images": len(files), "pillow": PIL.__version__,
                  "libjpeg_turbo": features.version("libjpeg_turbo")}), flush=True)
for line in sys.stdin:
    reps = int(line.strip() or 1)
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        list(pool.map(load, files))
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"seconds": best}), flush=True)
