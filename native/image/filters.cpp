#include "image/filters.h"

#include <algorithm>
#include <cmath>

namespace lk::image {

int border_index(int i, int n, Border b) {
  if (i >= 0 && i < n) return i;
  if (n == 1) return 0;
  switch (b) {
    case Border::nearest:
      return i < 0 ? 0 : n - 1;
    case Border::reflect: {  // period 2n: 0..n-1 then n-1..0
      int p = 2 * n, m = ((i % p) + p) % p;
      return m < n ? m : p - 1 - m;
    }
    case Border::reflect101: {  // period 2n-2: 0..n-1 then n-2..1
      int p = 2 * n - 2, m = ((i % p) + p) % p;
      return m < n ? m : p - m;
    }
  }
  return 0;
}

namespace {

std::vector<float> gaussian_taps(double sigma, int radius) {
  std::vector<double> w(2 * radius + 1);
  double sum = 0;
  for (int k = -radius; k <= radius; k++) sum += w[k + radius] = std::exp(-0.5 * k * k / (sigma * sigma));
  std::vector<float> f(w.size());
  for (size_t i = 0; i < w.size(); i++) f[i] = float(w[i] / sum);
  return f;
}

// A 1-D correlation along an axis of n samples with a border rule, folded into per-output (source, weight)
// lists so that kernels wider than the axis (elastic_transform's sigma of 170 px) cost n*n, not n*(2r+1).
struct Line1D {
  int n;
  std::vector<std::vector<std::pair<int, float>>> taps;  // per output position
  Line1D(int n_, const std::vector<float>& w, Border b) : n(n_), taps(n_) {
    int r = int(w.size() / 2);
    std::vector<float> acc(n);
    for (int i = 0; i < n; i++) {
      std::fill(acc.begin(), acc.end(), 0.f);
      for (int k = -r; k <= r; k++) acc[border_index(i + k, n, b)] += w[k + r];
      for (int j = 0; j < n; j++)
        if (acc[j] != 0.f) taps[i].push_back({j, acc[j]});
    }
  }
};

FImage correlate_rows(const FImage& x, const Line1D& op) {  // along H
  FImage out(x.h, x.w, x.c);
  const int rw = x.w * x.c;
  for (int y = 0; y < x.h; y++) {
    float* o = out.row(y);
    for (auto [src, wt] : op.taps[y]) {
      const float* s = x.row(src);
      for (int j = 0; j < rw; j++) o[j] += wt * s[j];
    }
  }
  return out;
}

FImage correlate_cols(const FImage& x, const Line1D& op) {  // along W
  FImage out(x.h, x.w, x.c);
  for (int y = 0; y < x.h; y++) {
    const float* s = x.row(y);
    float* o = out.row(y);
    for (int xo = 0; xo < x.w; xo++) {
      float acc[4] = {0, 0, 0, 0};
      for (auto [src, wt] : op.taps[xo])
        for (int k = 0; k < x.c; k++) acc[k] += wt * s[src * x.c + k];
      for (int k = 0; k < x.c; k++) o[xo * x.c + k] = acc[k];
    }
  }
  return out;
}

}  // namespace

FImage gaussian(const FImage& x, double sigma, Border border, double truncate) {
  if (sigma <= 0) return x;
  int radius = int(truncate * sigma + 0.5);
  auto w = gaussian_taps(sigma, radius);
  FImage t = correlate_rows(x, Line1D(x.h, w, border));
  return correlate_cols(t, Line1D(x.w, w, border));
}

FImage filter2d(const FImage& x, const std::vector<float>& kernel, int kh, int kw) {
  const int ay = kh / 2, ax = kw / 2, C = x.c;
  // Pad once (reflect-101), then accumulate each non-zero tap as a shifted row (contiguous, vectorisable).
  const int pw = x.w + kw - 1, ph = x.h + kh - 1;
  std::vector<float> pad(size_t(ph) * pw * C);
  for (int y = 0; y < ph; y++) {
    const float* s = x.row(border_index(y - ay, x.h, Border::reflect101));
    float* p = pad.data() + size_t(y) * pw * C;
    for (int xx = 0; xx < pw; xx++) {
      int sx = border_index(xx - ax, x.w, Border::reflect101);
      for (int k = 0; k < C; k++) p[xx * C + k] = s[sx * C + k];
    }
  }
  FImage out(x.h, x.w, C);
  const int rw = x.w * C;
  for (int y = 0; y < x.h; y++) {
    float* o = out.row(y);
    for (int dy = 0; dy < kh; dy++) {
      const float* prow = pad.data() + size_t(y + dy) * pw * C;
      for (int dx = 0; dx < kw; dx++) {
        const float wt = kernel[dy * kw + dx];
        if (wt == 0.f) continue;
        const float* s = prow + dx * C;
        for (int j = 0; j < rw; j++) o[j] += wt * s[j];
      }
    }
  }
  return out;
}

FImage box3(const FImage& x) {
  std::vector<float> k(9, 1.f / 9.f);
  return filter2d(x, k, 3, 3);
}

namespace {
// scipy.ndimage.zoom order 1 along one axis: output o samples input position o*(n_in-1)/(n_out-1).
struct LinearMap {
  std::vector<int> i0;
  std::vector<float> t;
  LinearMap(int n_in, int n_out, int first_out, int count) : i0(count), t(count) {
    double ratio = n_out > 1 ? double(n_in - 1) / double(n_out - 1) : 0.0;
    for (int o = 0; o < count; o++) {
      double pos = double(first_out + o) * ratio;
      int f = std::min(int(std::floor(pos)), n_in - 1);
      i0[o] = f;
      t[o] = float(pos - f);
    }
  }
};
}  // namespace

FImage clipped_zoom(const FImage& x, double z) {
  const int ch0 = int(std::ceil(x.h / z)), ch1 = int(std::ceil(x.w / z));
  const int top0 = (x.h - ch0) / 2, top1 = (x.w - ch1) / 2;
  // Python's round() (what scipy sizes its output with) rounds exact halves to even, e.g. 150 * 1.07 -> 160.
  const int out0 = int(std::nearbyint(ch0 * z)), out1 = int(std::nearbyint(ch1 * z));
  const int off0 = std::max(0, (out0 - x.h) / 2), off1 = std::max(0, (out1 - x.w) / 2);
  const int H = std::min(x.h, out0 - off0), W = std::min(x.w, out1 - off1);
  LinearMap my(ch0, out0, off0, H), mx(ch1, out1, off1, W);
  FImage out(x.h, x.w, x.c);  // zero where the zoomed copy is smaller than the image
  const int C = x.c;
  std::vector<float> r0(size_t(W) * C), r1(size_t(W) * C);
  auto horiz = [&](int sy, std::vector<float>& r) {
    const float* s = x.row(top0 + sy) + size_t(top1) * C;
    for (int o = 0; o < W; o++) {
      int a = mx.i0[o], b = std::min(a + 1, ch1 - 1);
      float t = mx.t[o];
      for (int k = 0; k < C; k++) r[o * C + k] = s[a * C + k] + t * (s[b * C + k] - s[a * C + k]);
    }
  };
  for (int o = 0; o < H; o++) {
    int a = my.i0[o], b = std::min(a + 1, ch0 - 1);
    float t = my.t[o];
    horiz(a, r0);
    horiz(b, r1);
    float* d = out.row(o);
    for (int j = 0; j < W * C; j++) d[j] = r0[j] + t * (r1[j] - r0[j]);
  }
  return out;
}

FImage motion_blur(const FImage& x, int radius, double sigma, double angle_deg) {
  const int width = 2 * radius + 1, C = x.c;
  std::vector<double> k(width);
  double z = 0;
  for (int i = 0; i < width; i++) z += k[i] = std::exp(-double(i) * i / (2 * sigma * sigma));
  const double rad = angle_deg * M_PI / 180.0;
  const double py = width * std::sin(rad), px = width * std::cos(rad), hyp = std::hypot(py, px);
  FImage out(x.h, x.w, C);
  std::vector<int> cols(x.w);
  for (int i = 0; i < width; i++) {
    // Tap i reads the pixel ceil(i*cos - 1/2) columns right and ceil(i*sin - 1/2) rows down.
    const int dy = -int(std::ceil(i * py / hyp - 0.5)), dx = -int(std::ceil(i * px / hyp - 0.5));
    if (std::abs(dy) >= x.h || std::abs(dx) >= x.w) break;  // the shift left the image: later taps dropped
    const float w = float(k[i] / z);
    for (int xx = 0; xx < x.w; xx++) cols[xx] = std::clamp(xx - dx, 0, x.w - 1);
    const int lo = std::clamp(dx, 0, x.w), hi = std::clamp(x.w + dx, 0, x.w);  // xx - dx in range
    for (int y = 0; y < x.h; y++) {
      const float* s = x.row(std::clamp(y - dy, 0, x.h - 1));
      float* o = out.row(y);
      for (int xx = 0; xx < lo; xx++)
        for (int c = 0; c < C; c++) o[xx * C + c] += w * s[cols[xx] * C + c];
      const float* sm = s - dx * C;
      for (int j = lo * C; j < hi * C; j++) o[j] += w * sm[j];
      for (int xx = std::max(hi, lo); xx < x.w; xx++)
        for (int c = 0; c < C; c++) o[xx * C + c] += w * s[cols[xx] * C + c];
    }
  }
  return out;
}

void rgb_to_hsv(double r, double g, double b, double& h, double& s, double& v) {
  v = std::max({r, g, b});
  const double delta = v - std::min({r, g, b});
  s = v == 0 ? 0 : delta / v;
  if (delta == 0) {
    h = 0;
    return;
  }
  // skimage assigns r, then g, then b: the last channel equal to the max wins.
  if (b == v) h = 4.0 + (r - g) / delta;
  else if (g == v) h = 2.0 + (b - r) / delta;
  else h = (g - b) / delta;
  h = std::fmod(h / 6.0, 1.0);
  if (h < 0) h += 1.0;
}

void hsv_to_rgb(double h, double s, double v, double& r, double& g, double& b) {
  const double hi_f = std::floor(h * 6.0), f = h * 6.0 - hi_f;
  const double p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  switch ((int(hi_f) % 6 + 6) % 6) {
    case 0: r = v, g = t, b = p; break;
    case 1: r = q, g = v, b = p; break;
    case 2: r = p, g = v, b = t; break;
    case 3: r = p, g = q, b = v; break;
    case 4: r = t, g = p, b = v; break;
    default: r = v, g = p, b = q; break;
  }
}

FImage to_unit(const RgbView& src) {
  FImage x(src.h, src.w, 3);
  for (size_t i = 0; i < x.v.size(); i++) x.v[i] = float(src.data[i] / 255.0);
  return x;
}

void unit_to_u8(const FImage& x, uint8_t* dst) {
  for (size_t i = 0; i < x.v.size(); i++) dst[i] = uint8_t(std::clamp(double(x.v[i]), 0.0, 1.0) * 255.0);
}

void byte_scale_to_u8(const FImage& x, uint8_t* dst) {
  for (size_t i = 0; i < x.v.size(); i++) dst[i] = uint8_t(std::clamp(x.v[i], 0.f, 255.f));
}

}  // namespace lk::image
