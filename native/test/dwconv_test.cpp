// Depthwise conv kernels (native/cpu/dwconv.h) against a float64 reference: forward, backward-data and
// backward-weights (with and without bias), every ISA path this CPU has (forced through LKR_ISA), kernels
// 1..51 odd and even, strides 1 and 2, same and asymmetric padding, maps smaller than the kernel, channel
// counts with vector tails. Outputs are pre-filled with NaN (so every element must be written) and followed by
// sentinels (so nothing is written past the end). Pass: relative L2 error <= 1e-5.
//
//   g++ -O3 -fopenmp -std=c++17 -Inative native/test/dwconv_test.cpp native/cpu/dwconv*.cpp native/cpu/isa.cpp
//       -o /tmp/lkr-dwconv-test && /tmp/lkr-dwconv-test          (or the CMake target lkr-dwconv-test)
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "cpu/aligned_vector.h"
#include "cpu/dwconv.h"
#include "cpu/isa.h"

using lk::cpu::dw::Geometry;

namespace {

constexpr int kSentinels = 64;
constexpr float kSentinel = 12345.f;
constexpr double kTol = 1e-5;

// ------------------------------------------------------------------------------------ float64 reference
// y[n,o,j,c] = b[c] + sum_{k,l} x[n, o*sh+k-pt, j*sw+l-pl, c] * w[c,k,l]; out-of-map taps are zero.
void ref_forward(const std::vector<float>& x, const std::vector<float>& w, const float* b, std::vector<double>& y,
                 const Geometry& g) {
  y.assign((size_t)g.n * g.oh * g.ow * g.c, 0.0);
  for (int n = 0; n < g.n; n++)
    for (int o = 0; o < g.oh; o++)
      for (int j = 0; j < g.ow; j++)
        for (int c = 0; c < g.c; c++) {
          double s = b ? b[c] : 0.0;
          for (int k = 0; k < g.kh; k++)
            for (int l = 0; l < g.kw; l++) {
              const int ih = o * g.stride_h + k - g.pad_t, iw = j * g.stride_w + l - g.pad_l;
              if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
              s += (double)x[(((size_t)n * g.h + ih) * g.w + iw) * g.c + c] * w[((size_t)c * g.kh + k) * g.kw + l];
            }
          y[(((size_t)n * g.oh + o) * g.ow + j) * g.c + c] = s;
        }
}

// The adjoints of ref_forward, scattered the obvious way.
void ref_backward(const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& dy,
                  std::vector<double>& dx, std::vector<double>& dw, std::vector<double>& db, const Geometry& g) {
  dx.assign((size_t)g.n * g.h * g.w * g.c, 0.0);
  dw.assign((size_t)g.c * g.kh * g.kw, 0.0);
  db.assign(g.c, 0.0);
  for (int n = 0; n < g.n; n++)
    for (int o = 0; o < g.oh; o++)
      for (int j = 0; j < g.ow; j++)
        for (int c = 0; c < g.c; c++) {
          const double d = dy[(((size_t)n * g.oh + o) * g.ow + j) * g.c + c];
          db[c] += d;
          for (int k = 0; k < g.kh; k++)
            for (int l = 0; l < g.kw; l++) {
              const int ih = o * g.stride_h + k - g.pad_t, iw = j * g.stride_w + l - g.pad_l;
              if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
              const size_t xi = (((size_t)n * g.h + ih) * g.w + iw) * g.c + c, wi = ((size_t)c * g.kh + k) * g.kw + l;
              dx[xi] += d * w[wi];
              dw[wi] += d * x[xi];
            }
        }
}

// ---------------------------------------------------------------------------------------------- checks

struct Out {  // an output buffer: NaN-filled, sentinels after it
  lk::cpu::AlignedFloats v;
  size_t n;
  explicit Out(size_t count) : v(count + kSentinels, std::numeric_limits<float>::quiet_NaN()), n(count) {
    for (int i = 0; i < kSentinels; i++) v[count + i] = kSentinel;
  }
  float* data() { return v.data(); }
};

// relative L2 error, or a negative value for NaN/inf or a clobbered sentinel
double rel_err(const Out& got, const std::vector<double>& want) {
  for (int i = 0; i < kSentinels; i++)
    if (got.v[got.n + i] != kSentinel) return -2.0;
  double num = 0, den = 0;
  for (size_t i = 0; i < got.n; i++) {
    if (!std::isfinite(got.v[i])) return -1.0;
    const double d = got.v[i] - want[i];
    num += d * d;
    den += want[i] * want[i];
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

int g_failed = 0, g_passed = 0;

std::string fmt(double e) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2e", e);
  return b;
}

void report(const char* isa, const char* pass, const Geometry& g, const char* extra, double err) {
  const bool ok = err >= 0 && err <= kTol;
  ok ? g_passed++ : g_failed++;
  std::printf("%s %s %s n%d c%d %dx%d k%dx%d s%dx%d pad%d,%d out%dx%d%s err %s\n", ok ? "ok" : "not ok", isa, pass,
              g.n, g.c, g.h, g.w, g.kh, g.kw, g.stride_h, g.stride_w, g.pad_t, g.pad_l, g.oh, g.ow, extra,
              err == -1.0 ? "non-finite" : err == -2.0 ? "sentinel clobbered" : fmt(err).c_str());
}

void run_case(const Geometry& g, std::mt19937& rng, const std::vector<const char*>& isas) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  auto fill = [&](size_t count) {
    std::vector<float> v(count);
    for (auto& e : v) e = u(rng);
    return v;
  };
  const auto x = fill((size_t)g.n * g.h * g.w * g.c), w = fill((size_t)g.c * g.kh * g.kw), b = fill(g.c);
  const auto dy = fill((size_t)g.n * g.oh * g.ow * g.c);
  std::vector<double> y_nb, y_b, dx, dw, db;
  ref_forward(x, w, nullptr, y_nb, g);
  ref_forward(x, w, b.data(), y_b, g);
  ref_backward(x, w, dy, dx, dw, db, g);

  for (const char* isa : isas) {
    setenv("LKR_ISA", isa, 1);
    if (g.c % 16 == 0) {  // streaming stores forced (otherwise only taken for outputs over 8 MB)
      setenv("LKR_DW_NT", "1", 1);
      Out y(y_b.size()), d(dx.size());
      lk::cpu::dw::forward(x.data(), w.data(), b.data(), y.data(), g);
      report(isa, "forward", g, " bias, streaming stores", rel_err(y, y_b));
      lk::cpu::dw::backward_data(dy.data(), w.data(), d.data(), g);
      report(isa, "backward_data", g, " streaming stores", rel_err(d, dx));
      unsetenv("LKR_DW_NT");
    }
    {
      Out y(y_b.size());
      lk::cpu::dw::forward(x.data(), w.data(), b.data(), y.data(), g);
      report(isa, "forward", g, " bias", rel_err(y, y_b));
      Out y2(y_nb.size());
      lk::cpu::dw::forward(x.data(), w.data(), nullptr, y2.data(), g);
      report(isa, "forward", g, "", rel_err(y2, y_nb));
    }
    {
      Out d(dx.size());
      lk::cpu::dw::backward_data(dy.data(), w.data(), d.data(), g);
      report(isa, "backward_data", g, "", rel_err(d, dx));
    }
    {
      Out a(dw.size()), c(db.size());
      lk::cpu::dw::backward_weights(dy.data(), x.data(), a.data(), c.data(), g);
      report(isa, "backward_weights", g, " dw", rel_err(a, dw));
      report(isa, "backward_weights", g, " db", rel_err(c, db));
      Out a2(dw.size());
      lk::cpu::dw::backward_weights(dy.data(), x.data(), a2.data(), nullptr, g);
      report(isa, "backward_weights", g, " dw, no db", rel_err(a2, dw));
    }
  }
  unsetenv("LKR_ISA");
}

// Geometry from input size, kernel, stride and the four paddings (bottom/right only set oh/ow).
Geometry make(int n, int c, int h, int w, int kh, int kw, int s, int pt, int pb, int pl, int pr) {
  Geometry g{n, h, w, c, kh, kw, s, s, pt, pl, 0, 0};
  g.oh = (h + pt + pb - kh) / s + 1;
  g.ow = (w + pl + pr - kw) / s + 1;
  return g;
}

}  // namespace

int main() {
  std::vector<const char*> isas{"scalar"};
  if (lk::cpu::detected_isa() >= lk::cpu::Isa::avx2) isas.push_back("avx2");
  if (lk::cpu::detected_isa() >= lk::cpu::Isa::avx512) isas.push_back("avx512");
  std::printf("# dwconv test: paths");
  for (const char* i : isas) std::printf(" %s", i);
  std::printf("\n");

  std::mt19937 rng(0);
  const int kernels[] = {1, 2, 3, 4, 5, 7, 8, 13, 14, 27, 31, 51};
  const int chans[] = {1, 3, 16, 17, 40};
  std::vector<Geometry> cases;
  int i = 0;
  for (int k : kernels)
    for (int s : {1, 2}) {
      const int c = chans[i % 5], n = 1 + i % 2;
      i++;
      // "same" padding on a map a little wider than one register strip, and one larger than the kernel
      const int h = k > 20 ? k + 3 : 19, w = k > 20 ? k + 6 : 37;
      cases.push_back(make(n, c, h, w, k, k, s, (k - 1) / 2, k / 2, (k - 1) / 2, k / 2));
      // explicit asymmetric padding (more on one side), odd sizes
      cases.push_back(make(n, chans[(i + 1) % 5], 11, 23, k, k, s, k / 3, k - 1 - k / 3 + 1, k - 1 - k / 4, k / 4));
      // a 3x5 map, smaller than most kernels, same padding
      cases.push_back(make(2 - i % 2, chans[(i + 2) % 5], 3, 5, k, k, s, (k - 1) / 2, k / 2, (k - 1) / 2, k / 2));
      // no padding at all where the map allows
      if (k <= 14) cases.push_back(make(n, c, 17, 29, k, k, s, 0, 0, 0, 0));
    }
  // non-square kernels and mixed shapes
  cases.push_back(make(2, 17, 20, 33, 1, 7, 1, 0, 0, 3, 3));
  cases.push_back(make(1, 40, 33, 20, 13, 5, 2, 6, 6, 2, 2));
  cases.push_back(make(2, 3, 9, 45, 7, 31, 1, 3, 3, 15, 15));
  cases.push_back(make(1, 16, 7, 7, 13, 13, 1, 6, 6, 6, 6));  // C1024-row shape, small C
  cases.push_back(make(1, 33, 6, 6, 31, 31, 2, 15, 15, 15, 15));
  // wide maps: the forward ring (kernel rows x width) no longer fits its cache budget, kernel rows go outer
  cases.push_back(make(1, 17, 4, 200, 51, 51, 1, 25, 25, 25, 25));
  cases.push_back(make(2, 16, 5, 230, 51, 51, 2, 25, 25, 24, 26));
  cases.push_back(make(1, 32, 3, 300, 31, 31, 1, 15, 15, 15, 15));
  cases.push_back(make(1, 8, 2, 420, 51, 51, 1, 25, 25, 25, 25));  // the same for 8-lane (AVX2) blocks

  for (const Geometry& g : cases) {
    if (!lk::cpu::dw::supported(g)) {
      std::printf("not ok unsupported geometry k%d s%d %dx%d\n", g.kh, g.stride_h, g.h, g.w);
      g_failed++;
      continue;
    }
    run_case(g, rng, isas);
  }
  std::printf("# %d passed, %d failed\n", g_passed, g_failed);
  return g_failed ? 1 : 0;
}
