# Reference timing for `lkrobust bench corrupt`: imagecorruptions (the oracle venv's) on the same 224x224 crops
# our engine corrupts, in the same run. Usage: python corrupt_reference.py '<json>' with
# {"images": "crops.npy" (N x 224 x 224 x 3, values 0..255), "threads": T}. It prints a "ready" JSON line with the
# library versions, then answers each stdin line "<corruption> <reps>" with one JSON line: the seconds for all N
# images at all five severities (the best of reps). The bench alternates these requests with its own timings so
# that both sides see the same machine load.
import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")

import cv2
import numpy as np
import PIL
import scipy
import skimage
from PIL import Image

import imagecorruptions.corruptions as ic

args = json.loads(sys.argv[1])
cv2.setNumThreads(int(args["threads"]))
crops = np.load(args["images"]).astype(np.uint8)
images = [Image.fromarray(x) for x in crops]
np.random.seed(0)
print(json.dumps({"ready": True, "images": len(images), "versions": {
    "numpy": np.__version__, "opencv": cv2.__version__, "scipy": scipy.__version__, "skimage": skimage.__version__,
    "pillow": PIL.__version__}}), flush=True)
for line in sys.stdin:
    name, reps = line.split()
    fn = getattr(ic, name)
    np.uint8(np.asarray(fn(images[0], 1)))  # warm-up (numba compiles glass_blur's loop on first use)
    best = float("inf")
    for _ in range(int(reps)):
        t0 = time.perf_counter()
        for severity in range(1, 6):
            for img in images:
                np.uint8(np.asarray(fn(img, severity)))  # as the generator saves: uint8 truncation
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"corruption": name, "seconds": best}), flush=True)
