// AVX2 build of the depthwise kernels (dwconv_kernels.inc): 8 channels per ymm, strips of up to 8 output
// columns x 4 taps in registers (8 accumulators + 4 weights + the input vector in flight, of 16 ymm).
// The target pragma (after the standard headers) lets this file build with or without -mavx2 -mfma.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

#include <omp.h>

#include "dwconv_impl.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>

namespace lk::cpu::dw::avx2 {

struct Vec {
  using V = __m256;
  using M = __m256i;
  static constexpr int W = 8, TMAX = 8, RMAX = 4, REGS = 16;
  static inline M mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static inline V zero() { return _mm256_setzero_ps(); }
  static inline V load(const float* p) { return _mm256_loadu_ps(p); }
  static inline V loadm(const float* p, M m) { return _mm256_maskload_ps(p, m); }
  static inline void storem(float* p, V v, M m) { _mm256_maskstore_ps(p, m, v); }
  static inline void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  // 8x8: pairs of rows interleaved (ps, then pd), then the two 128-bit lanes swapped across
  static inline void transpose(V (&r)[8]) {
    V a[8], b[8];
    for (int i = 0; i < 4; i++) {
      a[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      a[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 2; g++) {  // b[4g + k]: lane L holds column 4L + k of rows 4g..4g+3
      b[4 * g + 0] = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(a[4 * g]), _mm256_castps_pd(a[4 * g + 2])));
      b[4 * g + 1] = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(a[4 * g]), _mm256_castps_pd(a[4 * g + 2])));
      b[4 * g + 2] = _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(a[4 * g + 1]), _mm256_castps_pd(a[4 * g + 3])));
      b[4 * g + 3] = _mm256_castpd_ps(_mm256_unpackhi_pd(_mm256_castps_pd(a[4 * g + 1]), _mm256_castps_pd(a[4 * g + 3])));
    }
    for (int k = 0; k < 4; k++) {
      r[k] = _mm256_permute2f128_ps(b[k], b[4 + k], 0x20);
      r[4 + k] = _mm256_permute2f128_ps(b[k], b[4 + k], 0x31);
    }
  }
  static inline void stream(float* p, V v) { _mm256_stream_ps(p, v); }
  static inline V add(V a, V b) { return _mm256_add_ps(a, b); }
  static inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
};

#include "dwconv_kernels.inc"

}  // namespace lk::cpu::dw::avx2

#pragma GCC pop_options
