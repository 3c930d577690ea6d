// Noise family: gaussian, shot (Poisson), impulse (salt & pepper), speckle. Computed in double on x/255 like
// the reference so that the final truncation to uint8 lands where numpy's does.
#include <algorithm>
#include <array>
#include <cmath>

#include "image/corruptions.h"

namespace lk::image {

namespace {
inline uint8_t unit_to_byte(double v) { return uint8_t(std::clamp(v, 0.0, 1.0) * 255.0); }
}  // namespace

namespace {
// x/255 for each byte value, as the reference's float64 division gives it (rounded to float).
struct UnitTable {
  float v[256];
  UnitTable() {
    for (int i = 0; i < 256; i++) v[i] = float(i / 255.0);
  }
};
const UnitTable unit;

inline uint8_t unit_to_byte_f(float v) { return uint8_t(std::clamp(v, 0.f, 1.f) * 255.f); }

// The additive noises on rows of 672 values at a time: normals drawn in bulk, then one vectorisable pass.
LK_IMAGE_HOT void add_noise(const uint8_t* src, uint8_t* dst, size_t n, float c, bool speckle, Rng& rng) {
  constexpr size_t CH = 1024;
  float z[CH];
  for (size_t i0 = 0; i0 < n; i0 += CH) {
    const size_t m = std::min(CH, n - i0);
    rng.fill_normal(z, m);
    for (size_t i = 0; i < m; i++) {
      const float x = unit.v[src[i0 + i]];
      dst[i0 + i] = unit_to_byte_f(x + (speckle ? x : 1.f) * c * z[i]);
    }
  }
}
}  // namespace

void corrupt_gaussian_noise(const Inputs& in, uint8_t* dst) {
  add_noise(in.src.data, dst, size_t(in.src.h) * in.src.w * 3, float(in.params[0]), false, in.rng);
}

void corrupt_speckle_noise(const Inputs& in, uint8_t* dst) {
  add_noise(in.src.data, dst, size_t(in.src.h) * in.src.w * 3, float(in.params[0]), true, in.rng);
}

/** Poisson(x*c)/c for each byte x (as x/255), truncated to bytes: shared with ImageNet-P's shot noise. */
LK_IMAGE_HOT void shot_noise_bytes(const uint8_t* src, uint8_t* dst, size_t n, double c, Rng& rng) {
  // x has 256 levels, so Poisson(x*c) is sampled by inverting one exact CDF table per level; a guide table
  // (first candidate per 1/64 of [0, 1)) makes each inversion a step or two.
  constexpr int G = 64;
  std::vector<std::vector<double>> cdf(256);
  std::vector<std::array<uint16_t, G>> guide(256);
  std::vector<uint8_t> byte_of_k;  // result byte for k events
  for (int v = 0; v < 256; v++) {
    const double lam = v / 255.0 * c;
    auto& t = cdf[v];
    double p = std::exp(-lam), acc = p;
    t.push_back(acc);
    for (int k = 1; acc < 1.0 - 1e-16 && k < int(lam + 40 * std::sqrt(lam) + 40); k++) {
      p *= lam / k;
      acc += p;
      t.push_back(acc);
    }
    for (int g = 0, k = 0; g < G; g++) {
      while (k + 1 < int(t.size()) && t[k] <= double(g) / G) k++;
      guide[v][g] = uint16_t(k);
    }
    if (t.size() > byte_of_k.size())
      for (size_t k = byte_of_k.size(); k < t.size() + 1; k++) byte_of_k.push_back(uint8_t(std::clamp(double(k) / c, 0.0, 1.0) * 255.0));
  }
  uint64_t r = 0;
  for (size_t i = 0; i < n; i++) {
    // Two 32-bit uniforms per draw (a CDF step below 2^-32 changes nothing at 256 output levels).
    r = (i & 1) ? r >> 32 : rng.next();
    const double u = double(uint32_t(r)) * 0x1.0p-32;
    const auto& t = cdf[src[i]];
    size_t k = guide[src[i]][int(u * G)];
    while (k < t.size() && t[k] <= u) k++;
    dst[i] = byte_of_k[k];
  }
}

void corrupt_shot_noise(const Inputs& in, uint8_t* dst) {
  shot_noise_bytes(in.src.data, dst, size_t(in.src.h) * in.src.w * 3, in.params[0], in.rng);
}

void corrupt_impulse_noise(const Inputs& in, uint8_t* dst) {
  // skimage random_noise 's&p': each element replaced with probability `amount`, by 1 or 0 with even odds.
  // One draw per element: its top 53 bits decide the hit, its lowest bit salt or pepper.
  const uint64_t threshold = uint64_t(in.params[0] * 0x1.0p53);
  uint8_t same[256];  // an untouched element still goes through x/255 * 255 and truncation, as in the reference
  for (int v = 0; v < 256; v++) same[v] = unit_to_byte(v / 255.0);
  const size_t n = size_t(in.src.h) * in.src.w * 3;
  for (size_t i = 0; i < n; i++) {
    const uint64_t r = in.rng.next();
    dst[i] = (r >> 11) < threshold ? ((r & 1) ? 255 : 0) : same[in.src.data[i]];
  }
}

}  // namespace lk::image
