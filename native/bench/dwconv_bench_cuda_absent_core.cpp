// Without the CUDA backend (LKR_WITH_CUDA unset) the CUDA dwconv bench is a named error; with it, the real one
// is native/cuda/dwconv_bench.cu.
#ifndef LKR_WITH_CUDA
#include "core/tensor.h"
#include "dwconv_bench_core.h"

namespace lk::bench {

DwconvBenchReport measure_dwconv_bench_cuda(const BenchOptions& opt) {
  throw NotImplemented("bench dwconv --device " + opt.device +
                       ": this build has no CUDA backend (configure with LKR_CUDA=ON on a machine with nvcc)");
}

}  // namespace lk::bench
#endif
