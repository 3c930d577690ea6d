// Baseline build (no ISA flags: SSE2 at most), the path for CPUs without AVX2 and LKR_ISA=scalar of the activation kernels in activation_kernels.inc; see family_kernels.h.
#define LK_KERNEL_VARIANT
#include "family_kernels.h"

namespace lk::cpu::scalar {
#include "vec_math.inc"
#include "activation_kernels.inc"
}  // namespace lk::cpu::scalar
