// Run-time ISA choice shared by every hand-written CPU kernel. LKR_ISA=avx512|avx2|scalar forces a path
// (never one the CPU lacks: that is an error, not a silent downgrade).
#pragma once

namespace lk::cpu {

enum class Isa { scalar = 0, avx2 = 1, avx512 = 2 };

Isa detected_isa();  // best the CPU supports
Isa active_isa();    // detected, or LKR_ISA when set (throws if the CPU lacks it)
const char* isa_str(Isa isa);
int num_threads();   // OpenMP threads (LKR_NUM_THREADS or OMP_NUM_THREADS, else cores)

}  // namespace lk::cpu
