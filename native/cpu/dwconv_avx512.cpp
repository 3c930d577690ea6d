// AVX-512 build of the depthwise kernels (dwconv_kernels.inc): 16 channels per zmm, strips of up to 14 output
// columns x 8 taps in registers (14 accumulators + 8 weights + the input vector in flight, of 32 zmm).
// The target pragma (after the standard headers, so they are not compiled for AVX-512) lets this file build
// the same with or without the per-file -mavx512* flags; dispatch (dwconv.cpp) only calls it when the CPU has
// AVX-512.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

#include <omp.h>

#include "dwconv_impl.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,fma")
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12: _mm512_undefined_ps() inside the intrinsics
#include <immintrin.h>

#ifndef LKR_DW512_TMAX
#define LKR_DW512_TMAX 14
#endif
#ifndef LKR_DW512_RMAX
#define LKR_DW512_RMAX 8
#endif

namespace lk::cpu::dw::avx512 {

struct Vec {
  using V = __m512;
  using M = __mmask16;
  static constexpr int W = 16, TMAX = LKR_DW512_TMAX, RMAX = LKR_DW512_RMAX, REGS = 32;
  static inline M mask(int n) { return static_cast<M>((1u << n) - 1u); }
  static inline V zero() { return _mm512_setzero_ps(); }
  static inline V load(const float* p) { return _mm512_loadu_ps(p); }
  static inline V loadm(const float* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
  static inline void storem(float* p, V v, M m) { _mm512_mask_storeu_ps(p, m, v); }
  static inline void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  // 16x16: pairs of rows interleaved (ps, then pd), then 128-bit lanes as a 4x4 transpose
  static inline void transpose(V (&r)[16]) {
    V a[16], b[16];
    for (int i = 0; i < 8; i++) {
      a[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      a[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int g = 0; g < 4; g++) {  // b[4g + k]: lane L holds column 4L + k of rows 4g..4g+3
      b[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a[4 * g]), _mm512_castps_pd(a[4 * g + 2])));
      b[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a[4 * g]), _mm512_castps_pd(a[4 * g + 2])));
      b[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a[4 * g + 1]), _mm512_castps_pd(a[4 * g + 3])));
      b[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a[4 * g + 1]), _mm512_castps_pd(a[4 * g + 3])));
    }
    for (int k = 0; k < 4; k++) {
      const V c0 = _mm512_shuffle_f32x4(b[k], b[4 + k], 0x88), c1 = _mm512_shuffle_f32x4(b[k], b[4 + k], 0xDD);
      const V c2 = _mm512_shuffle_f32x4(b[8 + k], b[12 + k], 0x88), c3 = _mm512_shuffle_f32x4(b[8 + k], b[12 + k], 0xDD);
      r[k] = _mm512_shuffle_f32x4(c0, c2, 0x88);
      r[8 + k] = _mm512_shuffle_f32x4(c0, c2, 0xDD);
      r[4 + k] = _mm512_shuffle_f32x4(c1, c3, 0x88);
      r[12 + k] = _mm512_shuffle_f32x4(c1, c3, 0xDD);
    }
  }
  static inline void stream(float* p, V v) { _mm512_stream_ps(p, v); }
  static inline V add(V a, V b) { return _mm512_add_ps(a, b); }
  static inline V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
};

#include "dwconv_kernels.inc"

}  // namespace lk::cpu::dw::avx512

#pragma GCC diagnostic pop
#pragma GCC pop_options
