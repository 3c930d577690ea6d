// Noise family: gaussian, shot (Poisson), impulse (salt & pepper), speckle. Computed in double on x/255 like
// the reference so that the final truncation to uint8 lands where numpy's does.
#include <algorithm>
#include <cmath>

#include "image/corruptions.h"

namespace lk::image {

namespace {
inline uint8_t unit_to_byte(double v) { return uint8_t(std::clamp(v, 0.0, 1.0) * 255.0); }
}  // namespace

void corrupt_gaussian_noise(const Inputs& in, uint8_t* dst) {
  const double c = in.params[0];
  const size_t n = size_t(in.src.h) * in.src.w * 3;
  for (size_t i = 0; i < n; i++) dst[i] = unit_to_byte(in.src.data[i] / 255.0 + c * in.rng.normal());
}

void corrupt_speckle_noise(const Inputs& in, uint8_t* dst) {
  const double c = in.params[0];
  const size_t n = size_t(in.src.h) * in.src.w * 3;
  for (size_t i = 0; i < n; i++) {
    double x = in.src.data[i] / 255.0;
    dst[i] = unit_to_byte(x + x * c * in.rng.normal());
  }
}

void corrupt_shot_noise(const Inputs& in, uint8_t* dst) {
  // x has 256 levels, so Poisson(x*c) is sampled by inverting one exact CDF table per level.
  const double c = in.params[0];
  std::vector<std::vector<double>> cdf(256);
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
  }
  const size_t n = size_t(in.src.h) * in.src.w * 3;
  for (size_t i = 0; i < n; i++) {
    const auto& t = cdf[in.src.data[i]];
    const double u = in.rng.uniform();
    const size_t k = std::upper_bound(t.begin(), t.end(), u) - t.begin();
    dst[i] = unit_to_byte(double(k) / c);
  }
}

void corrupt_impulse_noise(const Inputs& in, uint8_t* dst) {
  // skimage random_noise 's&p': each element replaced with probability `amount`, by 1 or 0 with even odds.
  const double amount = in.params[0];
  const size_t n = size_t(in.src.h) * in.src.w * 3;
  for (size_t i = 0; i < n; i++) {
    const uint64_t r = in.rng.next();
    const double hit = double(r >> 11) * 0x1.0p-53;
    if (hit < amount) dst[i] = (r & 1) ? 255 : 0;
    else dst[i] = unit_to_byte(in.src.data[i] / 255.0);
  }
}

}  // namespace lk::image
