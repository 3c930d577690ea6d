// Bulk standard normals for the noises: Box-Muller on 32-bit uniforms with our own float log and sin/cos, so the
// transform vectorises and gives the same bits on every machine (no libm in the loop). Accuracy ~1e-7, far below
// the 1/255 steps the results are truncated to.
#include <algorithm>
#include <cstring>

#include "image/image_types.h"
#include "image/rng.h"

namespace lk::image {

namespace {

// ln(x) for x in (0, 1]: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(t), t = (m - 1)/(m + 1).
// Branch-free so that the loop below vectorises.
inline float log_unit(float x) {
  int32_t bits;
  std::memcpy(&bits, &x, 4);
  const int32_t e0 = ((bits >> 23) & 0xff) - 127;
  const int32_t mb = (bits & 0x007fffff) | 0x3f800000;  // m in [1, 2)
  float m;
  std::memcpy(&m, &mb, 4);
  const int32_t big = m > 1.41421356f;  // 0 or 1
  m *= 1.f - 0.5f * float(big);           // exact: times 1 or 0.5
  const float e = float(e0 + big);
  const float t = (m - 1.f) / (m + 1.f), t2 = t * t;
  const float series = t * (2.f + t2 * (0.6666666667f + t2 * (0.4f + t2 * (0.2857142857f + t2 * 0.2222222222f))));
  return e * 0.69314718056f + series;
}

// u1, u2: 24-bit integers. r = sqrt(-2 ln u1'), angle 2*pi*u2' reduced to the nearest quarter turn, then
// Taylor polynomials to the 9th order on [-pi/4, pi/4] and the quadrant's swap and signs.
LK_IMAGE_HOT void box_muller(const int32_t* a, const int32_t* b, size_t pairs, float* cs, float* sn) {
  for (size_t i = 0; i < pairs; i++) {
    const float u1 = (float(a[i]) + 0.5f) * 0x1.0p-24f;  // (0, 1)
    const float q = float(b[i]) * 0x1.0p-22f;             // quarter turns in [0, 4)
    const float r = __builtin_sqrtf(-2.f * log_unit(u1));
    const int32_t quadrant = int32_t(q + 0.5f);
    const float x = (q - float(quadrant)) * 1.57079632679f, x2 = x * x;
    const float sx = x * (1.f - x2 * (0.1666666667f - x2 * (0.008333333333f - x2 * (0.0001984126984f - x2 * 2.755731922e-6f))));
    const float cx = 1.f - x2 * (0.5f - x2 * (0.04166666667f - x2 * (0.001388888889f - x2 * 2.480158730e-5f)));
    // Quadrant k: swap sin and cos when k is odd, flip signs by k; done on the bits, without branches.
    int32_t sb, cb;
    std::memcpy(&sb, &sx, 4);
    std::memcpy(&cb, &cx, 4);
    const int32_t swap = -(quadrant & 1);
    int32_t s0 = (sb & ~swap) | (cb & swap), c0 = (cb & ~swap) | (sb & swap);
    s0 ^= (quadrant & 2) << 30;
    c0 ^= ((quadrant + 1) & 2) << 30;
    float sf, cf;
    std::memcpy(&sf, &s0, 4);
    std::memcpy(&cf, &c0, 4);
    sn[i] = r * sf;
    cs[i] = r * cf;
  }
}

}  // namespace

void Rng::fill_normal(float* out, size_t n) {
  constexpr size_t P = 256;
  int32_t a[P], b[P];
  float cs[P], sn[P];
  for (size_t i = 0; i < n; i += 2 * P) {
    const size_t pairs = std::min(P, (n - i + 1) / 2);
    for (size_t k = 0; k < pairs; k++) {
      const uint64_t r = next();
      a[k] = int32_t(r >> 40), b[k] = int32_t(r & 0xffffff);
    }
    box_muller(a, b, pairs, cs, sn);
    for (size_t k = 0; k < pairs; k++) {
      out[i + 2 * k] = cs[k];
      if (i + 2 * k + 1 < n) out[i + 2 * k + 1] = sn[k];
    }
  }
}

}  // namespace lk::image
