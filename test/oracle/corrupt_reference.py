# imagecorruptions (bethgelab, vendored in the oracle venv) on natural photographs from skimage.data, for the
# ImageNet-C tests. cases.json: {"sizes": [[h, w], ...], "count": n, "deterministic": [names], "stats":
# [{"name", "severity", "repeats"}]}. Writes out_images_<k> (count x h x w x 3 uint8) per size k, the
# corrupted images out_<name>_<severity>_<k> (np.uint8 of the result, as the generator saves), and for the
# random corruptions out_stats_<name>_<severity> = [mean, variance, changed fraction] of (out - in) over the
# 224 images corrupted `repeats` times each.
import warnings

warnings.filterwarnings("ignore")

import numpy as np
import skimage.data
from PIL import Image

import imagecorruptions.corruptions as ic
from npyio import cases, save

PHOTOS = ["astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "retina"]


def photo(i, h, w):
    """Resize shorter side to 256 (PIL bilinear, as torchvision) and centre-crop h x w."""
    img = Image.fromarray(getattr(skimage.data, PHOTOS[i % len(PHOTOS)])()).convert("RGB")
    s = 256 / min(img.size)
    img = img.resize((max(w, round(img.size[0] * s)), max(h, round(img.size[1] * s))), Image.BILINEAR)
    left, top = (img.size[0] - w) // 2, (img.size[1] - h) // 2
    return np.asarray(img.crop((left, top, left + w, top + h)))


def generator_pixelate(x, severity):
    """make_imagenet_c.py's pixelate: BOX down and BOX back up (imagecorruptions goes back up with NEAREST,
    which differs at exact ties of the sampling grid: never at 224, sometimes at other sizes)."""
    c = [0.6, 0.5, 0.4, 0.3, 0.25][severity - 1]
    h, w = x.size[1], x.size[0]
    return x.resize((int(w * c), int(h * c)), Image.BOX).resize((w, h), Image.BOX)


def corrupt(name, x, severity):
    fn = generator_pixelate if name == "generator_pixelate" else getattr(ic, name)
    out = fn(Image.fromarray(x), severity)
    return np.uint8(np.asarray(out))


c = cases()
np.random.seed(0)
sets = []
for k, (h, w) in enumerate(c["sizes"]):
    imgs = np.stack([photo(i, h, w) for i in range(c["count"])])
    sets.append(imgs)
    save(f"images_{k}", imgs)
    for name in c.get("deterministic", []):
        for sev in range(1, 6):
            save(f"{name}_{sev}_{k}", np.stack([corrupt(name, x, sev) for x in imgs]))

for s in c.get("stats", []):
    diffs, changed = [], []
    for _ in range(s["repeats"]):
        for x in sets[0]:
            y = corrupt(s["name"], x, s["severity"])
            d = y.astype(np.float64) - x.astype(np.float64)
            diffs.append(d.ravel())
    d = np.concatenate(diffs)
    save(f"stats_{s['name']}_{s['severity']}", np.array([d.mean(), d.var(), np.mean(d != 0)], dtype=np.float64))
