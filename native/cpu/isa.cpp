#include "isa.h"

#include <omp.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace lk::cpu {

Isa detected_isa() {
  static const Isa isa = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
      return Isa::avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::avx2;
    return Isa::scalar;
  }();
  return isa;
}

// Read on every call (getenv is cheap) so that tests can switch paths inside one process.
Isa active_isa() {
  const char* env = std::getenv("LKR_ISA");
  if (!env || !*env) return detected_isa();
  std::string s(env);
  Isa want;
  if (s == "avx512") want = Isa::avx512;
  else if (s == "avx2") want = Isa::avx2;
  else if (s == "scalar") want = Isa::scalar;
  else throw std::runtime_error("LKR_ISA: expected avx512, avx2 or scalar, received \"" + s + "\"");
  if (static_cast<int>(want) > static_cast<int>(detected_isa()))
    throw std::runtime_error("LKR_ISA=" + s + ": this CPU supports at most " + isa_str(detected_isa()));
  return want;
}

const char* isa_str(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    case Isa::scalar: return "scalar";
  }
  return "?";
}

int num_threads() {
  static const int n = [] {
    const char* env = std::getenv("LKR_NUM_THREADS");
    if (env && std::atoi(env) > 0) omp_set_num_threads(std::atoi(env));
    return omp_get_max_threads();
  }();
  return n;
}

}  // namespace lk::cpu
