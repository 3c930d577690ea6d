// brightness and saturate: skimage's rgb2hsv -> adjust one channel -> hsv2rgb, in double like the reference,
// written without branches (selects) over blocks of pixels so that it vectorises.
#include <algorithm>
#include <cmath>

#include "image/corruptions.h"

namespace lk::image {

namespace {

// mode 0: V = clip(V + a); mode 1: S = clip(S * m + a).
LK_IMAGE_HOT void hsv_adjust_block(const double* R, const double* G, const double* B, int n, int mode, double m, double a,
                                   uint8_t* dst) {
  for (int i = 0; i < n; i++) {
    const double r = R[i], g = G[i], b = B[i];
    const double v = std::max(std::max(r, g), b), mn = std::min(std::min(r, g), b), delta = v - mn;
    double s = v == 0 ? 0.0 : delta / v;
    const double d = delta == 0 ? 1.0 : delta;
    // skimage assigns the r, then g, then b formula where that channel equals the max: the last one wins.
    double h6 = b == v ? 4.0 + (r - g) / d : g == v ? 2.0 + (b - r) / d : (g - b) / d;
    double h = h6 / 6.0;
    h = h < 0 ? h + 1.0 : h;
    h = delta == 0 ? 0.0 : h;
    double vv = v;
    if (mode == 0) vv = std::min(std::max(v + a, 0.0), 1.0);
    else s = std::min(std::max(s * m + a, 0.0), 1.0);
    const double hi_f = std::floor(h * 6.0), f = h * 6.0 - hi_f;
    const double p = vv * (1 - s), q = vv * (1 - f * s), t = vv * (1 - (1 - f) * s);
    const int hi = int(hi_f) % 6;
    const double ro = (hi == 0 || hi == 5) ? vv : hi == 1 ? q : (hi == 2 || hi == 3) ? p : t;
    const double go = hi == 0 ? t : (hi == 1 || hi == 2) ? vv : hi == 3 ? q : p;
    const double bo = (hi == 0 || hi == 1) ? p : hi == 2 ? t : (hi == 3 || hi == 4) ? vv : q;
    dst[3 * i] = uint8_t(std::min(std::max(ro, 0.0), 1.0) * 255.0);
    dst[3 * i + 1] = uint8_t(std::min(std::max(go, 0.0), 1.0) * 255.0);
    dst[3 * i + 2] = uint8_t(std::min(std::max(bo, 0.0), 1.0) * 255.0);
  }
}

void hsv_adjust(const Inputs& in, uint8_t* dst, int mode, double m, double a) {
  constexpr int N = 256;
  double R[N], G[N], B[N];
  const size_t n = size_t(in.src.h) * in.src.w;
  for (size_t i0 = 0; i0 < n; i0 += N) {
    const int k = int(std::min<size_t>(N, n - i0));
    const uint8_t* s = in.src.data + 3 * i0;
    for (int i = 0; i < k; i++) R[i] = s[3 * i] / 255.0, G[i] = s[3 * i + 1] / 255.0, B[i] = s[3 * i + 2] / 255.0;
    hsv_adjust_block(R, G, B, k, mode, m, a, dst + 3 * i0);
  }
}

}  // namespace

void corrupt_brightness(const Inputs& in, uint8_t* dst) { hsv_adjust(in, dst, 0, 1.0, in.params[0]); }

void corrupt_saturate(const Inputs& in, uint8_t* dst) { hsv_adjust(in, dst, 1, in.params[0], in.params[1]); }

}  // namespace lk::image
