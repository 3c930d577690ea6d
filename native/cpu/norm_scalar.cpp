// Baseline build (no ISA flags: SSE2 at most), the path for CPUs without AVX2 and LKR_ISA=scalar of the norm kernels in norm_kernels.inc; see family_kernels.h.
#define LK_KERNEL_VARIANT
#include "family_kernels.h"

namespace lk::cpu::scalar {
#include "norm_kernels.inc"
}  // namespace lk::cpu::scalar
