#include "image/filters.h"

#include <algorithm>
#include <cmath>
#include <cstring>

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

// A 1-D correlation along an axis of n samples with a border rule, as per-output (source, weight) lists. A kernel
// wider than the axis (elastic_transform's sigma of 170 px) is folded onto the n sources first, so it costs n*n,
// not n*(2r+1); a narrow one keeps its taps in order, reflected sources included.
struct Line1D {
  int n;
  std::vector<int> start;                   // taps of output i: [start[i], start[i+1])
  std::vector<std::pair<int, float>> taps;  // (source, weight)
  Line1D(int n_, const std::vector<float>& w, Border b) : n(n_), start(n_ + 1, 0) {
    const int r = int(w.size() / 2);
    std::vector<int> src(size_t(n) + 2 * r);  // source of padded position p = i + k + r
    for (int p = 0; p < n + 2 * r; p++) src[p] = border_index(p - r, n, b);
    if (2 * r + 1 <= n) {
      taps.reserve(size_t(n) * w.size());
      for (int i = 0; i < n; i++) {
        start[i] = int(taps.size());
        for (int k = -r; k <= r; k++) taps.push_back({src[i + k + r], w[k + r]});
      }
    } else {
      std::vector<float> acc(n);
      for (int i = 0; i < n; i++) {
        start[i] = int(taps.size());
        std::fill(acc.begin(), acc.end(), 0.f);
        for (int k = -r; k <= r; k++) acc[src[i + k + r]] += w[k + r];
        for (int j = 0; j < n; j++)
          if (acc[j] != 0.f) taps.push_back({j, acc[j]});
      }
    }
    start[n] = int(taps.size());
  }
};

typedef float v8f __attribute__((vector_size(32)));

// Along H: each output row is a weighted sum of whole input rows, accumulated 64 floats at a time in registers.
LK_IMAGE_HOT FImage correlate_rows(const FImage& x, const Line1D& op) {
  constexpr int B = 64, V = 8;
  FImage out(x.h, x.w, x.c);
  const int rw = x.w * x.c;
  for (int y = 0; y < x.h; y++) {
    float* o = out.row(y);
    const auto* t0 = op.taps.data() + op.start[y];
    const auto* t1 = op.taps.data() + op.start[y + 1];
    int j0 = 0;
    for (; j0 + B <= rw; j0 += B) {
      v8f acc[B / V] = {};
      for (const auto* t = t0; t != t1; ++t) {
        const auto [src, wt] = *t;
        const float* s = x.row(src) + j0;
        const v8f w = {wt, wt, wt, wt, wt, wt, wt, wt};
        for (int k = 0; k < B / V; k++) {
          v8f v;
          std::memcpy(&v, s + k * V, sizeof v);
          acc[k] += w * v;
        }
      }
      std::memcpy(o + j0, acc, sizeof acc);
    }
    for (; j0 + V <= rw; j0 += V) {  // 8 at a time, then single values
      v8f acc = {};
      for (const auto* t = t0; t != t1; ++t) {
        v8f v;
        std::memcpy(&v, x.row(t->first) + j0, sizeof v);
        const v8f w = {t->second, t->second, t->second, t->second, t->second, t->second, t->second, t->second};
        acc += w * v;
      }
      std::memcpy(o + j0, &acc, sizeof acc);
    }
    for (int j = j0; j < rw; j++) {
      float acc = 0;
      for (const auto* t = t0; t != t1; ++t) acc += t->second * x.row(t->first)[j];
      o[j] = acc;
    }
  }
  return out;
}

// Pixel transpose (channels kept together): the W pass runs as an H pass on contiguous rows.
LK_IMAGE_HOT FImage transpose(const FImage& x) {
  FImage t(x.w, x.h, x.c);
  constexpr int T = 16;  // tiles keep both sides in cache
  for (int y0 = 0; y0 < x.h; y0 += T)
    for (int x0 = 0; x0 < x.w; x0 += T)
      for (int xx = x0; xx < std::min(x0 + T, x.w); xx++)
        for (int y = y0; y < std::min(y0 + T, x.h); y++)
          for (int k = 0; k < x.c; k++) t.v[(size_t(xx) * x.h + y) * x.c + k] = x.v[(size_t(y) * x.w + xx) * x.c + k];
  return t;
}

FImage correlate_cols(const FImage& x, const Line1D& op) {  // along W
  return transpose(correlate_rows(transpose(x), op));
}

}  // namespace

FImage gaussian(const FImage& x, double sigma, Border border, double truncate) {
  if (sigma <= 0) return x;
  int radius = int(truncate * sigma + 0.5);
  auto w = gaussian_taps(sigma, radius);
  const Line1D along_h(x.h, w, border);
  FImage t = correlate_rows(x, along_h);
  return correlate_cols(t, x.w == x.h ? along_h : Line1D(x.w, w, border));  // square images share one operator
}

namespace {
struct Tap {
  int offset;  // into the padded image, relative to the output's top-left tap
  float w;
};

struct Run {
  int row;     // offset of the kernel row in the prefix image
  int a, b1;   // prefix offsets of the run's first column and one past its last
  float w;
};

// Kernel rows are mostly flat runs (a disk): each run of equal weights costs two loads from per-row prefix sums
// instead of one per tap; the rest (the anti-aliased rim) are plain taps.
LK_IMAGE_HOT void filter2d_runs(const float* pad, int pad_stride, const float* pre, int pre_stride, FImage& out, const Tap* taps,
                                int ntaps, const Run* runs, int nruns) {
  constexpr int B = 64, V = 8;
  const int rw = out.w * out.c;
  for (int y = 0; y < out.h; y++) {
    float* o = out.row(y);
    const float* base = pad + size_t(y) * pad_stride;
    const float* qbase = pre + size_t(y) * pre_stride;
    for (int j0 = 0; j0 < rw; j0 += B) {
      v8f acc[B / V] = {};
      for (int r = 0; r < nruns; r++) {
        const float* qa = qbase + runs[r].row + runs[r].a + j0;
        const float* qb = qbase + runs[r].row + runs[r].b1 + j0;
        const float wr = runs[r].w;
        const v8f w = {wr, wr, wr, wr, wr, wr, wr, wr};
        for (int k = 0; k < B / V; k++) {
          v8f va, vb;
          std::memcpy(&va, qa + k * V, sizeof va);
          std::memcpy(&vb, qb + k * V, sizeof vb);
          acc[k] += w * (vb - va);
        }
      }
      for (int t = 0; t < ntaps; t++) {
        const float* s = base + taps[t].offset + j0;
        const float wt = taps[t].w;
        const v8f w = {wt, wt, wt, wt, wt, wt, wt, wt};
        for (int k = 0; k < B / V; k++) {
          v8f v;
          std::memcpy(&v, s + k * V, sizeof v);
          acc[k] += w * v;
        }
      }
      std::memcpy(o + j0, acc, sizeof(float) * std::min(B, rw - j0));
    }
  }
}
}  // namespace

LK_IMAGE_HOT FImage filter2d(const FImage& x, const std::vector<float>& kernel, int kh, int kw) {
  const int ay = kh / 2, ax = kw / 2, C = x.c;
  // Pad once (reflect-101), then accumulate each non-zero tap as a shifted row (contiguous, vectorisable).
  const int pw = x.w + kw - 1, ph = x.h + kh - 1;
  std::vector<float> pad(size_t(ph) * pw * C + 8);  // slack: the last 8-wide block may read past a row
  for (int y = 0; y < ph; y++) {
    const float* s = x.row(border_index(y - ay, x.h, Border::reflect101));
    float* p = pad.data() + size_t(y) * pw * C;
    std::copy_n(s, size_t(x.w) * C, p + size_t(ax) * C);  // the row itself, then its reflected margins
    for (int xx = 0; xx < pw; xx++) {
      if (xx >= ax && xx < ax + x.w) continue;
      const int sx = border_index(xx - ax, x.w, Border::reflect101);
      for (int k = 0; k < C; k++) p[xx * C + k] = s[sx * C + k];
    }
  }
  std::vector<Tap> taps;
  std::vector<Run> runs;
  const int qs = (pw + 1) * C;  // prefix row stride
  // Weights below 1e-9 of the largest (cv2's Gaussian tails, e^-50) change no output byte: left out. Weights
  // within 1e-6 of each other (a flat disk after float rounding) form a run at their mean.
  const float wmax = *std::max_element(kernel.begin(), kernel.end());
  auto k = [&](int dy, int dx) { float w = kernel[dy * kw + dx]; return std::abs(w) < 1e-9f * wmax ? 0.f : w; };
  for (int dy = 0; dy < kh; dy++)
    for (int dx = 0; dx < kw;) {
      const float w = k(dy, dx);
      int e = dx + 1;
      double sum = w;
      while (e < kw && std::abs(k(dy, e) - w) <= 1e-6f * std::abs(w)) sum += k(dy, e++);
      if (w != 0.f && e - dx >= 4) {
        runs.push_back({dy * qs, dx * C, e * C, float(sum / (e - dx))});
      } else if (w != 0.f) {
        for (int t = dx; t < e; t++) taps.push_back({(dy * pw + t) * C, k(dy, t)});
      }
      dx = e;
    }
  FImage out(x.h, x.w, C);
  // Prefix sums along each padded row (per channel), with 64 floats of slack for the last block's reads.
  std::vector<float> pre(runs.empty() ? 0 : size_t(ph) * qs + 64, 0.f);  // small kernels have no runs
  for (int y = 0; y < ph && !runs.empty(); y++) {
    const float* p = pad.data() + size_t(y) * pw * C;
    float* q = pre.data() + size_t(y) * qs;
    float run[4] = {0, 0, 0, 0};  // running sums in registers (through memory they would wait on each store)
    for (int xx = 0; xx < pw; xx++)
      for (int k = 0; k < C; k++) q[(xx + 1) * C + k] = run[k] += p[xx * C + k];
  }
  pad.resize(pad.size() + 64);
  filter2d_runs(pad.data(), pw * C, pre.data(), qs, out, taps.data(), int(taps.size()), runs.data(), int(runs.size()));
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

namespace {
// Separable linear interpolation: each needed source row resampled along W once, then rows blended along H.
LK_IMAGE_HOT void zoom_lerp(const FImage& x, int top0, int top1, int ch0, int ch1, const LinearMap& my, const LinearMap& mx,
                            int H, int W, FImage& out, bool add) {
  const int C = x.c, first = my.i0[0], last = std::min(my.i0[H - 1] + 1, ch0 - 1), n = W * C;
  // Per output element: the two source elements and the weight (gathers the compiler can vectorise).
  std::vector<int> ia(n), ib(n);
  std::vector<float> tw(n);
  for (int o = 0; o < W; o++)
    for (int k = 0; k < C; k++) {
      ia[o * C + k] = mx.i0[o] * C + k;
      ib[o * C + k] = std::min(mx.i0[o] + 1, ch1 - 1) * C + k;
      tw[o * C + k] = mx.t[o];
    }
  std::vector<float> rows(size_t(last - first + 1) * n);
  const int* __restrict pa = ia.data();
  const int* __restrict pb = ib.data();
  const float* __restrict pt = tw.data();
  for (int sy = first; sy <= last; sy++) {
    const float* __restrict s = x.row(top0 + sy) + size_t(top1) * C;
    float* __restrict r = rows.data() + size_t(sy - first) * n;
    for (int j = 0; j < n; j++) r[j] = s[pa[j]] + pt[j] * (s[pb[j]] - s[pa[j]]);
  }
  for (int o = 0; o < H; o++) {
    const int a = my.i0[o], b = std::min(a + 1, ch0 - 1);
    const float t = my.t[o];
    const float* r0 = rows.data() + size_t(a - first) * W * C;
    const float* r1 = rows.data() + size_t(b - first) * W * C;
    float* d = out.row(o);
    if (add)
      for (int j = 0; j < W * C; j++) d[j] += r0[j] + t * (r1[j] - r0[j]);
    else
      for (int j = 0; j < W * C; j++) d[j] = r0[j] + t * (r1[j] - r0[j]);
  }
}
}  // namespace

void clipped_zoom_into(const FImage& x, double z, FImage& out, bool add) {
  const int ch0 = int(std::ceil(x.h / z)), ch1 = int(std::ceil(x.w / z));
  const int top0 = (x.h - ch0) / 2, top1 = (x.w - ch1) / 2;
  // Python's round() (what scipy sizes its output with) rounds exact halves to even, e.g. 150 * 1.07 -> 160.
  const int out0 = int(std::nearbyint(ch0 * z)), out1 = int(std::nearbyint(ch1 * z));
  const int off0 = std::max(0, (out0 - x.h) / 2), off1 = std::max(0, (out1 - x.w) / 2);
  const int H = std::min(x.h, out0 - off0), W = std::min(x.w, out1 - off1);
  LinearMap my(ch0, out0, off0, H), mx(ch1, out1, off1, W);
  if (H > 0 && W > 0) zoom_lerp(x, top0, top1, ch0, ch1, my, mx, H, W, out, add);
}

FImage clipped_zoom(const FImage& x, double z) {
  FImage out(x.h, x.w, x.c);  // zero where the zoomed copy is smaller than the image
  clipped_zoom_into(x, z, out, false);
  return out;
}

LK_IMAGE_HOT FImage motion_blur(const FImage& x, int radius, double sigma, double angle_deg) {
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

namespace {
struct UnitTable {  // x / 255 for each byte value (the reference's float64 division, rounded to float)
  float v[256];
  UnitTable() {
    for (int i = 0; i < 256; i++) v[i] = float(i / 255.0);
  }
};
const UnitTable unit_table;
}  // namespace

LK_IMAGE_HOT FImage to_unit(const RgbView& src) {
  FImage x(src.h, src.w, 3);
  for (size_t i = 0; i < x.v.size(); i++) x.v[i] = unit_table.v[src.data[i]];
  return x;
}

LK_IMAGE_HOT void unit_to_u8(const FImage& x, uint8_t* dst) {
  const float* v = x.v.data();
  for (size_t i = 0; i < x.v.size(); i++) dst[i] = uint8_t(std::min(std::max(v[i], 0.f), 1.f) * 255.f);
}

LK_IMAGE_HOT void byte_scale_to_u8(const FImage& x, uint8_t* dst) {
  for (size_t i = 0; i < x.v.size(); i++) dst[i] = uint8_t(std::clamp(x.v[i], 0.f, 255.f));
}

}  // namespace lk::image
