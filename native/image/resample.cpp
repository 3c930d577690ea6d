#include "image/resample.h"

#include <cmath>
#include <string>

#include "core/tensor.h"
#include "image/image_types.h"

namespace lk::image {

namespace {

// Pillow's fixed point: 32 bits less 8 for the pixel and 2 for the sign and the overshoot of negative lobes.
constexpr int PRECISION_BITS = 32 - 8 - 2;

double box_filter(double x) { return x > -0.5 && x <= 0.5 ? 1.0 : 0.0; }
double bilinear_filter(double x) {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}
double hamming_filter(double x) {
  if (x < 0.0) x = -x;
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x = x * M_PI;
  return std::sin(x) / x * (0.54 + 0.46 * std::cos(x));
}
double bicubic_filter(double x) {  // Keys' cubic convolution with a = -0.5
  const double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}
double sinc(double x) {
  if (x == 0.0) return 1.0;
  x = x * M_PI;
  return std::sin(x) / x;
}
double lanczos_filter(double x) { return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0; }

struct FilterDef {
  double (*fn)(double);
  double support;
};
FilterDef filter_def(Filter f) {
  switch (f) {
    case Filter::box: return {box_filter, 0.5};
    case Filter::bilinear: return {bilinear_filter, 1.0};
    case Filter::hamming: return {hamming_filter, 1.0};
    case Filter::bicubic: return {bicubic_filter, 2.0};
    case Filter::lanczos: return {lanczos_filter, 3.0};
  }
  throw lk::ArgError("resample: unknown filter");
}

// One axis' taps: for output pixel i, `count[i]` weights starting at input pixel `first[i]`.
struct Taps {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weight;  // out x ksize, fixed point
};

Taps precompute(int in_size, double in0, double in1, int out_size, const FilterDef& f) {
  const double scale = (in1 - in0) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;  // widen the kernel only when shrinking
  const double support = f.support * filterscale;
  Taps t;
  t.ksize = int(std::ceil(support)) * 2 + 1;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.weight.assign(size_t(out_size) * t.ksize, 0);
  std::vector<double> k(t.ksize);
  for (int xx = 0; xx < out_size; xx++) {
    const double center = in0 + (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = int(center - support + 0.5);  // truncation toward zero, as the C cast
    if (xmin < 0) xmin = 0;
    int xmax = int(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; x++) {
      k[x] = f.fn((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (int x = 0; x < xmax; x++) {
      const double w = ww != 0.0 ? k[x] / ww : k[x];
      // round half away from zero into fixed point
      t.weight[size_t(xx) * t.ksize + x] = w < 0 ? int32_t(-0.5 + w * (1 << PRECISION_BITS)) : int32_t(0.5 + w * (1 << PRECISION_BITS));
    }
    t.first[xx] = xmin;
    t.count[xx] = xmax;
  }
  return t;
}

inline uint8_t clip8(int32_t v) {
  v >>= PRECISION_BITS;  // arithmetic shift: floor, as Pillow's lookup table index
  return uint8_t(v < 0 ? 0 : v > 255 ? 255 : v);
}

// Rows [y0, y0 + rows) of `in`, resampled along x into `out` (rows x out_w).
LK_IMAGE_HOT void horizontal(const uint8_t* in, int in_w, int y0, int rows, const Taps& t, uint8_t* out, int out_w) {
  for (int y = 0; y < rows; y++) {
    const uint8_t* src = in + size_t(y0 + y) * in_w * 3;
    uint8_t* dst = out + size_t(y) * out_w * 3;
    for (int xx = 0; xx < out_w; xx++) {
      const int32_t* k = &t.weight[size_t(xx) * t.ksize];
      const uint8_t* p = src + size_t(t.first[xx]) * 3;
      int32_t s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
      for (int x = 0; x < t.count[xx]; x++) {
        s0 += p[x * 3 + 0] * k[x];
        s1 += p[x * 3 + 1] * k[x];
        s2 += p[x * 3 + 2] * k[x];
      }
      dst[xx * 3 + 0] = clip8(s0);
      dst[xx * 3 + 1] = clip8(s1);
      dst[xx * 3 + 2] = clip8(s2);
    }
  }
}

// Along y: output row yy sums input rows first[yy] - shift ... (the horizontal pass kept only the rows used).
LK_IMAGE_HOT void vertical(const uint8_t* in, int w, const Taps& t, int shift, uint8_t* out, int out_h) {
  const int n = w * 3;
  std::vector<int32_t> acc(n);
  for (int yy = 0; yy < out_h; yy++) {
    const int32_t* k = &t.weight[size_t(yy) * t.ksize];
    const uint8_t* base = in + size_t(t.first[yy] - shift) * n;
    for (int i = 0; i < n; i++) acc[i] = 1 << (PRECISION_BITS - 1);
    for (int y = 0; y < t.count[yy]; y++) {
      const uint8_t* r = base + size_t(y) * n;
      const int32_t ky = k[y];
      for (int i = 0; i < n; i++) acc[i] += r[i] * ky;
    }
    uint8_t* dst = out + size_t(yy) * n;
    for (int i = 0; i < n; i++) dst[i] = clip8(acc[i]);
  }
}

}  // namespace

Rgb8 resample_rgb(const Rgb8& in, int out_w, int out_h, Filter f, const Box& box) {
  if (out_w < 1 || out_h < 1 || in.w < 1 || in.h < 1)
    throw lk::ArgError("resample: sizes must be positive, received " + std::to_string(in.w) + "x" + std::to_string(in.h) +
                       " -> " + std::to_string(out_w) + "x" + std::to_string(out_h));
  if (box.x0 < 0 || box.y0 < 0 || box.x1 > in.w || box.y1 > in.h || box.x1 - box.x0 < 0 || box.y1 - box.y0 < 0)
    throw lk::ArgError("resample: the box must lie inside the image");
  const FilterDef fd = filter_def(f);
  const bool need_h = out_w != in.w || box.x0 != 0 || box.x1 != out_w;
  const bool need_v = out_h != in.h || box.y0 != 0 || box.y1 != out_h;
  const Taps th = precompute(in.w, box.x0, box.x1, out_w, fd);
  const Taps tv = precompute(in.h, box.y0, box.y1, out_h, fd);
  // The input rows the vertical pass reads: only those go through the horizontal pass.
  const int y_first = tv.first[0];
  const int y_last = tv.first[out_h - 1] + tv.count[out_h - 1];
  if (!need_h && !need_v) return in;
  if (need_h) {
    Rgb8 tmp(y_last - y_first, out_w);
    horizontal(in.px.data(), in.w, y_first, tmp.h, th, tmp.px.data(), out_w);
    if (!need_v) return tmp;
    Rgb8 out(out_h, out_w);
    vertical(tmp.px.data(), out_w, tv, y_first, out.px.data(), out_h);
    return out;
  }
  Rgb8 out(out_h, in.w);
  vertical(in.px.data(), in.w, tv, 0, out.px.data(), out_h);
  return out;
}

}  // namespace lk::image
