// AVX-512 build (CMake adds -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma by file name) of the norm kernels in norm_kernels.inc; see family_kernels.h.
#define LK_KERNEL_VARIANT
#include "family_kernels.h"

namespace lk::cpu::avx512 {
#include "norm_kernels.inc"
}  // namespace lk::cpu::avx512
