#include "image/resample_plan.h"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <cstring>
#include <string>

#include "core/tensor.h"

namespace lk::image {

namespace {

// Python's round() of a double: to nearest, ties to even (nearbyint in the default rounding mode).
int py_round(double x) { return int(std::nearbyint(x)); }

// torchvision's Resize(int): the shorter side to `s`, the longer int(s * long / short).
void resize_shorter(int w, int h, int s, int& nw, int& nh) {
  const int shorter = w <= h ? w : h, longer = w <= h ? h : w;
  const int new_long = int(double(int64_t(s) * longer) / double(shorter));
  nw = w <= h ? s : new_long;
  nh = w <= h ? new_long : s;
}

}  // namespace

Plan plan_for(const PixelSpec& spec, int w, int h) {
  if (spec.size < 1) throw lk::ArgError("preprocess: size must be positive");
  if (!(spec.crop_pct > 0) || spec.crop_pct > 1e6) throw lk::ArgError("preprocess: crop_pct must be positive");
  if (w < 1 || h < 1) throw std::runtime_error("the image has no pixels");
  Plan p;
  if (spec.mode == CropMode::border) std::memcpy(p.fill, spec.fill, 3);  // torchvision's CenterCrop pads with 0
  int nw = w, nh = h;
  if (spec.keep_if_input_size && w == spec.size && h == spec.size) {
    // already the model's input
  } else {
    const int scale = int(std::floor(double(spec.size) / spec.crop_pct));  // timm: math.floor(size / crop_pct)
    switch (spec.mode) {
      case CropMode::center: resize_shorter(w, h, scale, nw, nh); break;
      case CropMode::squash: nw = nh = scale; break;
      case CropMode::border: {  // timm ResizeKeepRatio(longest=1.0)
        const double rh = double(h) / scale, rw = double(w) / scale;
        const double ratio = std::max(rh, rw) * 1.0 + std::min(rh, rw) * (1.0 - 1.0);
        nh = py_round(double(h) * 1.0 / ratio);
        nw = py_round(double(w) * 1.0 / ratio);
        break;
      }
    }
    if (nw < 1 || nh < 1) throw std::runtime_error("the image is too thin to resize (" + std::to_string(w) + "x" + std::to_string(h) + ")");
  }
  p.resize = nw != w || nh != h;
  p.resize_w = nw;
  p.resize_h = nh;
  // torchvision CenterCrop: pad (left/top get the smaller half) when smaller than the crop, then crop at
  // int(round((H - size) / 2.0)).
  const int s = spec.size;
  int pw = nw, ph = nh;
  if (s > nw || s > nh) {
    p.pad_left = s > nw ? (s - nw) / 2 : 0;
    p.pad_top = s > nh ? (s - nh) / 2 : 0;
    pw = std::max(nw, s);
    ph = std::max(nh, s);
  }
  p.crop_left = py_round((pw - s) / 2.0);
  p.crop_top = py_round((ph - s) / 2.0);
  return p;
}

void crop_into(const Rgb8& r, const Plan& p, int size, uint8_t* dst) {
  for (int y = 0; y < size; y++) {
    const int sy = y + p.crop_top - p.pad_top;
    uint8_t* out = dst + size_t(y) * size * 3;
    for (int x = 0; x < size; x++) {
      const int sx = x + p.crop_left - p.pad_left;
      const uint8_t* src = sy >= 0 && sy < r.h && sx >= 0 && sx < r.w ? &r.px[(size_t(sy) * r.w + sx) * 3] : p.fill;
      std::memcpy(out + x * 3, src, 3);
    }
  }
}

}  // namespace lk::image
