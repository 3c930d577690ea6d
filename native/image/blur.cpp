// Blur family: defocus (disk), glass (blur, local pixel copies, blur), motion, zoom, gaussian.
#include <cmath>

#include "image/corruptions.h"
#include "image/filters.h"

namespace lk::image {

namespace {

FImage byte_scale(const RgbView& src) {
  FImage x(src.h, src.w, 3);
  for (size_t i = 0; i < x.v.size(); i++) x.v[i] = src.data[i];
  return x;
}

// The generator's disk(): binary disk on a (2L+1)^2 grid, normalised, then cv2.GaussianBlur (reflect-101).
std::vector<float> disk_kernel(double radius, double alias_blur, int& size) {
  const int L = radius <= 8 ? 8 : int(radius), ks = radius <= 8 ? 3 : 5;
  size = 2 * L + 1;
  FImage d(size, size, 1);
  float sum = 0;
  for (int y = -L; y <= L; y++)
    for (int x = -L; x <= L; x++)
      if (double(x) * x + double(y) * y <= radius * radius) sum += d.at(y + L, x + L) = 1.f;
  for (float& v : d.v) v /= sum;
  std::vector<double> g(ks);
  double gs = 0;
  for (int i = 0; i < ks; i++) {
    double t = i - (ks - 1) / 2.0;
    gs += g[i] = std::exp(-t * t / (2 * alias_blur * alias_blur));
  }
  std::vector<float> k2(ks * ks);
  for (int i = 0; i < ks; i++)
    for (int j = 0; j < ks; j++) k2[i * ks + j] = float(g[i] / gs * g[j] / gs);
  return filter2d(d, k2, ks, ks).v;
}

}  // namespace

void corrupt_defocus_blur(const Inputs& in, uint8_t* dst) {
  int size = 0;
  auto k = disk_kernel(in.params[0], in.params[1], size);
  unit_to_u8(filter2d(to_unit(in.src), k, size, size), dst);
}

void corrupt_gaussian_blur(const Inputs& in, uint8_t* dst) {
  unit_to_u8(gaussian(to_unit(in.src), in.params[0]), dst);
}

LK_IMAGE_HOT void corrupt_glass_blur(const Inputs& in, uint8_t* dst) {
  const double sigma = in.params[0];
  const int delta = int(in.params[1]), iters = int(in.params[2]);
  FImage b = gaussian(to_unit(in.src), sigma);
  const int H = b.h, W = b.w;
  std::vector<uint8_t> y(b.v.size());
  unit_to_u8(b, y.data());
  // The generator's "swap" copies (h+dy, w+dx) into (h, w) and leaves the source as it was (numpy aliasing).
  for (int it = 0; it < iters; it++)
    for (int h = H - delta; h > delta; h--)
      for (int w = W - delta; w > delta; w--) {
        // dx then dy, each uniform in [-delta, delta), from the two halves of one draw.
        const uint64_t r = in.rng.next();
        const int dx = -delta + int(((r & 0xffffffffu) * uint64_t(2 * delta)) >> 32);
        const int dy = -delta + int(((r >> 32) * uint64_t(2 * delta)) >> 32);
        const uint8_t* s = &y[(size_t(h + dy) * W + (w + dx)) * 3];
        uint8_t* d = &y[(size_t(h) * W + w) * 3];
        d[0] = s[0], d[1] = s[1], d[2] = s[2];
      }
  FImage x(H, W, 3);
  for (size_t i = 0; i < x.v.size(); i++) x.v[i] = float(y[i] / 255.0);
  unit_to_u8(gaussian(x, sigma), dst);
}

void corrupt_motion_blur(const Inputs& in, uint8_t* dst) {
  const double angle = in.rng.uniform(-45, 45);
  byte_scale_to_u8(motion_blur(byte_scale(in.src), int(in.params[0]), in.params[1], angle), dst);
}

LK_IMAGE_HOT void corrupt_zoom_blur(const Inputs& in, uint8_t* dst) {
  FImage x = to_unit(in.src), acc(x.h, x.w, 3);
  for (double z : in.params) clipped_zoom_into(x, z, acc, true);
  const float n1 = float(in.params.size() + 1);
  for (size_t i = 0; i < acc.v.size(); i++) acc.v[i] = (x.v[i] + acc.v[i]) / n1;
  unit_to_u8(acc, dst);
}

}  // namespace lk::image
