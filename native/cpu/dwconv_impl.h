// Per-ISA entry points behind dwconv.h: dwconv.cpp dispatches to one of these namespaces. Internal to
// native/cpu and to the dwconv test and bench, which call paths and lab versions directly.
#pragma once
#include "dwconv.h"

namespace lk::cpu::dw {

// Largest kernel side the kernels take (backward_weights keeps one kernel row of sums on the stack).
constexpr int kMaxKernel = 64;

#define LKR_DW_DECLARE_PATH                                                                             \
  void forward(const float* x, const float* w, const float* bias, float* y, const Geometry& g);       \
  void backward_data(const float* dy, const float* w, float* dx, const Geometry& g);                  \
  void backward_weights(const float* dy, const float* x, float* dw, float* db, const Geometry& g);

namespace scalar { LKR_DW_DECLARE_PATH }  // dwconv_scalar.cpp: plain clipped loops, also version 1
namespace avx2 {                            // dwconv_avx2.cpp  (dwconv_kernels.inc, 8 lanes)
LKR_DW_DECLARE_PATH
void forward2(const float* x, const float* w, const float* bias, float* y, const Geometry& g);
}
namespace avx512 {                          // dwconv_avx512.cpp (dwconv_kernels.inc, 16 lanes)
LKR_DW_DECLARE_PATH
void forward2(const float* x, const float* w, const float* bias, float* y, const Geometry& g);
}
#undef LKR_DW_DECLARE_PATH

// Lab versions, llm.c style (bench `--kernel N`): 1 = scalar loops, 2 = one output pixel x channel vector at
// a time (forward2), 3 = register-blocked sliding window (forward3 = `forward`, the one in use). Versions 1
// and 2 exist for forward only; backward passes always run version 3 (or scalar when that is the path).
void forward_version(int version, const float* x, const float* w, const float* bias, float* y, const Geometry& g);

}  // namespace lk::cpu::dw
