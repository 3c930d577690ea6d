// The CUDA dwconv bench (native/cuda/dwconv_bench.cu) times with CUDA events, which the emulator has no use
// for: it is left out, and this stands in for its one symbol.
#include <stdexcept>

#include "bench/dwconv_bench_core.h"

namespace lk::bench {
DwconvBenchReport measure_dwconv_bench_cuda(const BenchOptions&) {
  throw std::runtime_error("the CUDA dwconv bench is not emulated");
}
}  // namespace lk::bench
