// Native test of the image primitives against float64 naive references (each border rule written out by hand),
// and of the batch entry point's independence from thread count. Runs without Node (ctest).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "image/batch.h"
#include "image/filters.h"

using namespace lk::image;

static int failures = 0;
static void expect(bool ok, const std::string& what) {
  std::printf("%s - %s\n", ok ? "ok" : "not ok", what.c_str());
  if (!ok) failures++;
}

static std::string sci(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1e", v);
  return b;
}

static FImage random_image(int h, int w, int c, uint64_t seed) {
  Rng rng(seed, 0, 0, 0);
  FImage x(h, w, c);
  for (float& v : x.v) v = float(rng.uniform());
  return x;
}

static double max_diff(const FImage& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.v.size(); i++) m = std::max(m, std::abs(a.v[i] - b[i]));
  return m;
}

// Hand-written borders, independent of border_index: scipy nearest / reflect, OpenCV reflect-101.
static int ref_index(int i, int n, Border b) {
  while (i < 0 || i >= n) {
    if (b == Border::nearest) i = std::clamp(i, 0, n - 1);
    else if (b == Border::reflect) i = i < 0 ? -i - 1 : 2 * n - 1 - i;
    else i = i < 0 ? -i : 2 * n - 2 - i;
  }
  return i;
}

static std::vector<double> ref_gaussian(const FImage& x, double sigma, Border b, double truncate) {
  const int r = int(truncate * sigma + 0.5);
  std::vector<double> w(2 * r + 1);
  double s = 0;
  for (int k = -r; k <= r; k++) s += w[k + r] = std::exp(-0.5 * k * k / (sigma * sigma));
  for (double& v : w) v /= s;
  std::vector<double> t(x.v.size()), out(x.v.size());
  for (int y = 0; y < x.h; y++)
    for (int xx = 0; xx < x.w; xx++)
      for (int c = 0; c < x.c; c++) {
        double a = 0;
        for (int k = -r; k <= r; k++) a += w[k + r] * x.at(ref_index(y + k, x.h, b), xx, c);
        t[(size_t(y) * x.w + xx) * x.c + c] = a;
      }
  for (int y = 0; y < x.h; y++)
    for (int xx = 0; xx < x.w; xx++)
      for (int c = 0; c < x.c; c++) {
        double a = 0;
        for (int k = -r; k <= r; k++) a += w[k + r] * t[(size_t(y) * x.w + ref_index(xx + k, x.w, b)) * x.c + c];
        out[(size_t(y) * x.w + xx) * x.c + c] = a;
      }
  return out;
}

int main() {
  // Odd, non-square sizes; a kernel wider than the image (elastic_transform's case) folds at the borders.
  const FImage x = random_image(37, 53, 3, 1);
  for (Border b : {Border::nearest, Border::reflect})
    for (double sigma : {0.7, 3.0, 40.0}) {
      const double d = max_diff(gaussian(x, sigma, b, sigma > 10 ? 3.0 : 4.0), ref_gaussian(x, sigma, b, sigma > 10 ? 3.0 : 4.0));
      expect(d < 2e-6, "gaussian sigma " + sci(sigma) + (b == Border::nearest ? " nearest" : " reflect") +
                           ": max |diff| " + sci(d));
    }

  // filter2D: a disk-like kernel with flat runs and a rim (runs through prefix sums) vs the float64 correlation.
  const int kh = 9, kw = 11;
  std::vector<float> k(kh * kw, 0.f);
  for (int i = 0; i < kh; i++)
    for (int j = 0; j < kw; j++) {
      const double r2 = std::pow(i - kh / 2, 2) + std::pow(j - kw / 2, 2);
      k[i * kw + j] = r2 <= 12 ? 0.02f : r2 <= 20 ? float(0.005 + 0.001 * j) : 0.f;
    }
  std::vector<double> want(x.v.size());
  for (int y = 0; y < x.h; y++)
    for (int xx = 0; xx < x.w; xx++)
      for (int c = 0; c < 3; c++) {
        double a = 0;
        for (int i = 0; i < kh; i++)
          for (int j = 0; j < kw; j++)
            a += k[i * kw + j] * x.at(ref_index(y + i - kh / 2, x.h, Border::reflect101), ref_index(xx + j - kw / 2, x.w, Border::reflect101), c);
        want[(size_t(y) * x.w + xx) * 3 + c] = a;
      }
  const double fd = max_diff(filter2d(x, k, kh, kw), want);
  expect(fd < 2e-5, "filter2d 9x11, reflect-101: max |diff| " + sci(fd));

  // Motion blur: out(x, y) = sum_i w_i in(x + ceil(i cos - 1/2), y + ceil(i sin - 1/2)), edge replicate.
  for (double angle : {-45.0, 17.0, 90.0, -135.0}) {
    const int radius = 6, width = 2 * radius + 1;
    const double sigma = 3, rad = angle * M_PI / 180;
    std::vector<double> w(width);
    double s = 0;
    for (int i = 0; i < width; i++) s += w[i] = std::exp(-double(i) * i / (2 * sigma * sigma));
    std::vector<double> mb(x.v.size(), 0.0);
    for (int i = 0; i < width; i++) {
      const int dx = int(std::ceil(i * std::cos(rad) - 0.5)), dy = int(std::ceil(i * std::sin(rad) - 0.5));
      for (int y = 0; y < x.h; y++)
        for (int xx = 0; xx < x.w; xx++)
          for (int c = 0; c < 3; c++)
            mb[(size_t(y) * x.w + xx) * 3 + c] += w[i] / s * x.at(std::clamp(y + dy, 0, x.h - 1), std::clamp(xx + dx, 0, x.w - 1), c);
    }
    const double d = max_diff(motion_blur(x, radius, sigma, angle), mb);
    expect(d < 2e-6, "motion blur at " + std::to_string(int(angle)) + " degrees: max |diff| " + sci(d));
  }

  // A batch gives the same bytes with 1 and with several threads (streams keyed per image, not per thread).
  std::vector<uint8_t> src(size_t(6) * 40 * 40 * 3);
  Rng rng(5, 0, 0, 0);
  for (auto& v : src) v = uint8_t(rng.next() & 0xff);
  auto run = [&](int threads, const char* name, std::vector<double> params) {
    omp_set_num_threads(threads);
    BatchSpec spec;
    spec.corruption = corruption_index(name);
    spec.severity = 3;
    spec.params = params;
    spec.seed = 42;
    std::vector<uint8_t> out(src.size());
    std::vector<BatchImage> imgs(6);
    for (int i = 0; i < 6; i++) imgs[i] = {{src.data() + i * 4800, 40, 40}, key_of("img" + std::to_string(i)), out.data() + i * 4800, {}};
    corrupt_batch(spec, imgs);
    return out;
  };
  expect(run(1, "glass_blur", {1, 2, 3}) == run(4, "glass_blur", {1, 2, 3}), "glass_blur: same bytes on 1 and 4 threads");
  expect(run(1, "gaussian_noise", {0.18}) == run(3, "gaussian_noise", {0.18}), "gaussian_noise: same bytes on 1 and 3 threads");
  expect(run(2, "gaussian_noise", {0.18}) != run(2, "speckle_noise", {0.18}), "different corruptions, different streams");

  std::printf("%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
