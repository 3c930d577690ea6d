"""The reference pixels: image files written by Pillow in every mode convert('RGB') handles, and the model input
torchvision/timm build from each (Image.open(f).convert('RGB') -> timm's eval transforms -> uint8 HWC).

Usage: python pixels_reference.py DIR. Reads DIR/cases.json:
  {"generate": bool, "skimage": bool, "transforms": [{"size", "crop_pct", "interpolation", "crop_mode"}...],
   "every": [transform indices applied to every image], "rotate": [indices applied to image k in turn]}
Writes DIR/in/<name> (the files), DIR/expected/<case>.bin (size*size*3 uint8) and DIR/manifest.json
  {"cases": [{"file", "transform", "expected", "mode"}], "pillow": version, "libjpeg_turbo": version}.
"""
import io
import json
import os
import sys

import numpy as np
from PIL import Image, ImageCms, features
import skimage
from timm.data.transforms_factory import transforms_imagenet_eval

# Sizes: smaller than the crop, odd, 4:3, 3:4, 16:9, extreme aspect ratios, square, > 2000 px.
SIZES = [(31, 17), (100, 80), (224, 224), (333, 257), (500, 375), (375, 500), (640, 480), (1280, 720),
         (2000, 60), (50, 900), (2400, 1800), (257, 256)]


def content(w, h, seed):
    """Smooth gradients, a few hard edges and fine noise: every resampling tap matters."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([
        127.5 + 127.5 * np.sin(x / max(w, 1) * 7.0 + seed),
        127.5 + 127.5 * np.cos(y / max(h, 1) * 5.0 - seed),
        (x * 3 + y * 2) % 256,
    ], axis=-1)
    img[(x // 13 + y // 11) % 2 == 0] *= 0.6  # checker edges
    img += rng.normal(0, 12, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def palette_image(rgb, colours, seed):
    """A P image with a random palette of `colours` entries, indices following the content."""
    rng = np.random.default_rng(seed + 1000)
    idx = ((rgb[..., 0].astype(np.int32) * 7 + rgb[..., 2]) % colours).astype(np.uint8)
    im = Image.fromarray(idx, 'L').convert('P')
    im.putpalette(rng.integers(0, 256, colours * 3, dtype=np.uint8).tobytes())
    return im


def save(im, path, **kw):
    im.save(path, **kw)
    return os.path.basename(path)


def exif_orientation(o):
    ex = Image.Exif()
    ex[0x0112] = o
    return ex.tobytes()


VARIANTS = ['jpeg_rgb', 'jpeg_444', 'jpeg_progressive', 'jpeg_l', 'jpeg_cmyk', 'jpeg_exif', 'jpeg_icc',
            'png_rgb', 'png_l', 'png_la', 'png_p', 'png_p_trns', 'png_rgba', 'png_i16', 'png_1bit', 'png_rgb16',
            'png_la16', 'png_rgba16', 'png_interlaced', 'png_p4']


def write_variant(kind, w, h, seed, out):
    rgb = content(w, h, seed)
    base = Image.fromarray(rgb, 'RGB')
    name = os.path.join(out, f'{kind}_{w}x{h}')
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile('sRGB')).tobytes()
    if kind == 'jpeg_rgb':
        return save(base, name + '.jpg', quality=90)
    if kind == 'jpeg_444':
        return save(base, name + '.jpg', quality=95, subsampling=0)
    if kind == 'jpeg_progressive':
        return save(base, name + '.jpg', quality=80, progressive=True, optimize=True)
    if kind == 'jpeg_l':
        return save(base.convert('L'), name + '.jpg', quality=90)
    if kind == 'jpeg_cmyk':  # Pillow writes Adobe-inverted CMYK
        return save(base.convert('CMYK'), name + '.jpg', quality=90)
    if kind == 'jpeg_exif':  # rotated 90 degrees by EXIF: Pillow (and so torchvision) ignores it
        return save(base, name + '.jpg', quality=90, exif=exif_orientation(6))
    if kind == 'jpeg_icc':
        return save(base, name + '.jpg', quality=90, icc_profile=srgb)
    if kind == 'png_rgb':
        return save(base, name + '.png', icc_profile=srgb)
    if kind == 'png_interlaced':  # Pillow cannot write Adam7; an interlaced file from a raw writer instead
        return write_png_adam7(rgb, name + '.png')
    if kind == 'png_l':
        return save(base.convert('L'), name + '.png')
    if kind == 'png_la':
        la = base.convert('LA')
        a = np.array(la)
        a[..., 1] = np.where((np.arange(w)[None, :] // 7) % 3 == 0, 0, a[..., 1] // 2 + 100)
        return save(Image.fromarray(a, 'LA'), name + '.png')
    if kind == 'png_p':
        return save(palette_image(rgb, 200, seed), name + '.png')
    if kind == 'png_p4':  # 4-bit palette
        return save(palette_image(rgb, 16, seed), name + '.png', bits=4)
    if kind == 'png_p_trns':
        return save(palette_image(rgb, 64, seed), name + '.png', transparency=3)
    if kind == 'png_rgba':  # fully transparent pixels keep their colour (issue 22 defect 7)
        a = np.full((h, w), 255, np.uint8)
        a[(np.arange(h)[:, None] + np.arange(w)[None, :]) % 5 == 0] = 0
        a[:, : w // 3] = 0
        return save(Image.fromarray(np.dstack([rgb, a]), 'RGBA'), name + '.png')
    if kind == 'png_i16':
        v = (rgb[..., 0].astype(np.uint16) * 2 + rgb[..., 1] // 3).astype(np.uint16)  # 0..595: many clip
        im = Image.fromarray(v)  # uint16 -> I;16
        return save(im, name + '.png')
    if kind == 'png_1bit':
        return save(base.convert('1'), name + '.png')
    if kind in ('png_rgb16', 'png_la16', 'png_rgba16'):
        return write_png16(rgb, kind, name + '.png')
    raise ValueError(kind)


def png_chunk(tag, data):
    import zlib
    return len(data).to_bytes(4, 'big') + tag + data + zlib.crc32(tag + data).to_bytes(4, 'big')


def png_file(w, h, depth, ctype, raw_rows, interlace=0):
    import zlib
    ihdr = w.to_bytes(4, 'big') + h.to_bytes(4, 'big') + bytes([depth, ctype, 0, 0, interlace])
    return (b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', ihdr) + png_chunk(b'IDAT', zlib.compress(raw_rows)) +
            png_chunk(b'IEND', b''))


def write_png16(rgb, kind, path):
    """16-bit PNGs (Pillow keeps their high byte for RGB/LA/RGBA): written by hand, low bytes varied."""
    h, w, _ = rgb.shape
    hi = rgb.astype(np.uint16) << 8
    lo = (np.arange(w)[None, :, None] * 37 + np.arange(h)[:, None, None] * 11) % 256
    v = hi | lo.astype(np.uint16)
    if kind == 'png_la16':
        a = np.where((np.arange(w) % 4 == 0)[None, :], 0, 65535).astype(np.uint16)
        px, ctype = np.dstack([v[..., 0], np.broadcast_to(a, (h, w))]), 4
    elif kind == 'png_rgba16':
        a = np.where((np.arange(h) % 3 == 0)[:, None], 0, 40000).astype(np.uint16)
        px, ctype = np.dstack([v, np.broadcast_to(a, (h, w))]), 6
    else:
        px, ctype = v, 2
    rows = b''.join(b'\x00' + px[y].astype('>u2').tobytes() for y in range(h))
    with open(path, 'wb') as f:
        f.write(png_file(w, h, 16, ctype, rows))
    return os.path.basename(path)


def write_png_adam7(rgb, path):
    h, w, _ = rgb.shape
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = b''
    for x0, y0, dx, dy in passes:
        sub = rgb[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        raw += b''.join(b'\x00' + sub[y].tobytes() for y in range(sub.shape[0]))
    with open(path, 'wb') as f:
        f.write(png_file(w, h, 8, 2, raw, interlace=1))
    return os.path.basename(path)


def reference(path, t):
    tf = transforms_imagenet_eval(img_size=t['size'], crop_pct=t['crop_pct'], crop_mode=t['crop_mode'],
                                  interpolation=t['interpolation'], use_prefetcher=True,
                                  mean=tuple(t.get('mean', (0.485, 0.456, 0.406))))
    with open(path, 'rb') as f:
        im = Image.open(f)
        mode = im.mode
        im = im.convert('RGB')  # torchvision's pil_loader
    x = tf(im)  # MaybePILToTensor: uint8 CHW
    return np.ascontiguousarray(np.asarray(x).transpose(1, 2, 0)), mode


def main():
    d = sys.argv[1]
    cfg = json.load(open(os.path.join(d, 'cases.json')))
    os.makedirs(os.path.join(d, 'in'), exist_ok=True)
    os.makedirs(os.path.join(d, 'expected'), exist_ok=True)
    files = []
    if cfg.get('generate'):
        k = 0
        for si, (w, h) in enumerate(SIZES):
            for vi, kind in enumerate(VARIANTS):
                if (vi + si) % cfg.get('stride', 1):
                    continue
                files.append(write_variant(kind, w, h, k, os.path.join(d, 'in')))
                k += 1
    if cfg.get('skimage'):
        src = os.path.join(os.path.dirname(skimage.__file__), 'data')
        for f in sorted(os.listdir(src)):
            if f.endswith(('.png', '.jpg')):
                data = open(os.path.join(src, f), 'rb').read()
                open(os.path.join(d, 'in', 'skimage_' + f), 'wb').write(data)
                files.append('skimage_' + f)
                # the same photograph as a Pillow JPEG, as an ImageNet photo would be
                im = Image.open(io.BytesIO(data)).convert('RGB')
                files.append(save(im, os.path.join(d, 'in', 'skimage_q85_' + f.rsplit('.', 1)[0] + '.jpg'), quality=85))
    ts = cfg['transforms']
    cases = []
    for i, f in enumerate(files):
        chosen = list(cfg.get('every', []))
        rot = cfg.get('rotate', [])
        if rot:
            chosen.append(rot[i % len(rot)])
        for ti in chosen:
            x, mode = reference(os.path.join(d, 'in', f), ts[ti])
            name = f'{len(cases)}.bin'
            x.tofile(os.path.join(d, 'expected', name))
            cases.append({'file': f, 'transform': ti, 'expected': name, 'mode': mode, 'shape': list(x.shape)})
    json.dump({'cases': cases, 'pillow': Image.__version__ if hasattr(Image, '__version__') else None,
               'libjpeg_turbo': features.version('libjpeg_turbo')}, open(os.path.join(d, 'manifest.json'), 'w'))


if __name__ == '__main__':
    main()
