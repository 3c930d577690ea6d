// AVX2 build (CMake adds -mavx2 -mfma by file name) of the activation kernels in activation_kernels.inc; see family_kernels.h.
#define LK_KERNEL_VARIANT
#include "family_kernels.h"

namespace lk::cpu::avx2 {
#include "vec_math.inc"
#include "activation_kernels.inc"
}  // namespace lk::cpu::avx2
