// Hot loops of the norm, activation, elementwise and attention families, compiled once per ISA.
//
// Each body is written once in <family>_kernels.inc and compiled three times: <family>_avx512.cpp and
// <family>_avx2.cpp (CMake adds -mavx512f.../-mavx2 -mfma by file name) and <family>_scalar.cpp (baseline
// flags), each inside its own namespace (lk::cpu::avx512 / avx2 / scalar) so no symbol built for one ISA can
// be picked by the linker for another. The loops are plain C++ with `#pragma omp simd`, vectorised by the
// compiler for the ISA at hand; vec_math.inc gives them inlinable exp and normal-CDF functions.
// Threading stays in the family's .cpp (OpenMP over rows / heads); these functions are single-threaded.
#pragma once
#include <cstdint>

#include "isa.h"

namespace lk::cpu {

struct NormKernels {
  // Layer norm of one row of C values (mean and biased variance in double, two-pass).
  void (*ln_row)(const float* x, const float* g, const float* b, float* y, int64_t C, float eps);
  // dx for one row: rstd * (dy*g - mean(dy*g) - xhat * mean(dy*g*xhat)).
  void (*ln_backward_row)(const float* dy, const float* x, const float* g, float* dx, int64_t C, float eps);
  // dg[c] += dy*xhat, db[c] += dy for one row (double accumulators).
  void (*ln_params_row)(const float* dy, const float* x, double* dg, double* db, int64_t C, float eps);
  // y[r, c] = (x[r, c] - sub[c]) * sc[c] + add[c] for R rows of C (batch norm, pixel normalisation, backwards).
  void (*affine_rows)(const float* x, const float* sub, const float* sc, const float* add, float* y, int64_t R,
                      int64_t C);
};

struct ActivationKernels {
  void (*relu)(const float* x, float* y, int64_t n);
  void (*relu_backward)(const float* dy, const float* x, float* dx, int64_t n);
  void (*gelu)(const float* x, float* y, int64_t n, bool tanh_approx);
  void (*gelu_backward)(const float* dy, const float* x, float* dx, int64_t n, bool tanh_approx);
  void (*softmax_row)(const float* x, float* y, int64_t C);                    // y may alias x
  void (*softmax_backward_row)(const float* dy, const float* y, float* dx, int64_t C);
};

struct ElementwiseKernels {
  void (*add)(const float* a, const float* b, float* y, int64_t n);
  void (*mul)(const float* a, const float* b, float* y, int64_t n);
  void (*add_row)(const float* a, const float* b, float* y, int64_t R, int64_t C);  // b (C) over R rows
  void (*mul_row)(const float* a, const float* b, float* y, int64_t R, int64_t C);
  void (*scale)(const float* x, float s, float* y, int64_t n);
  // acc[c] += sum over R rows of dy[r, c] (* m[r, c] when m is not null), in double.
  void (*col_sum)(const float* dy, const float* m, double* acc, int64_t R, int64_t C);
};

struct AttentionKernels {
  // R rows of scores (T each) in place: p = softmax(s * scale) per row (the row sum in double).
  void (*softmax_rows)(float* s, int64_t R, int64_t T, float scale);
  // R rows of dP in place, given the probabilities: dS = P o (dP - rowsum(dP o P)) * scale.
  void (*softmax_backward_rows)(float* dp, const float* p, int64_t R, int64_t T, float scale);
};

#define LK_FAMILY_TABLES(ns)                      \
  namespace ns {                                  \
  extern const NormKernels norm_kernels;          \
  extern const ActivationKernels activation_kernels; \
  extern const ElementwiseKernels elementwise_kernels; \
  extern const AttentionKernels attention_kernels; \
  }
LK_FAMILY_TABLES(scalar)
LK_FAMILY_TABLES(avx2)
LK_FAMILY_TABLES(avx512)
#undef LK_FAMILY_TABLES

#ifndef LK_KERNEL_VARIANT  // not in the per-ISA files: nothing inline there may be shared with other TUs
// The table for the ISA in force now (active_isa() reads LKR_ISA on every call, so tests can switch paths).
template <class K>
const K& pick_kernels(const K& s, const K& a2, const K& a512) {
  switch (active_isa()) {
    case Isa::avx512: return a512;
    case Isa::avx2: return a2;
    default: return s;
  }
}
inline const NormKernels& norm_kernels() {
  return pick_kernels(scalar::norm_kernels, avx2::norm_kernels, avx512::norm_kernels);
}
inline const ActivationKernels& activation_kernels() {
  return pick_kernels(scalar::activation_kernels, avx2::activation_kernels, avx512::activation_kernels);
}
inline const ElementwiseKernels& elementwise_kernels() {
  return pick_kernels(scalar::elementwise_kernels, avx2::elementwise_kernels, avx512::elementwise_kernels);
}
inline const AttentionKernels& attention_kernels() {
  return pick_kernels(scalar::attention_kernels, avx2::attention_kernels, avx512::attention_kernels);
}
#endif

}  // namespace lk::cpu
