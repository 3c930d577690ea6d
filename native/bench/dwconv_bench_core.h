// Depthwise conv benchmark (native/cpu/dwconv.h against oneDNN's depthwise convolution), the core behind
// `lkr-bench-dwconv` and `lkrobust bench dwconv`. Measures the machine's FMA peak, then times each row and
// pass, ours and oneDNN's, same threads, NHWC both, warm-up then the median of `reps`.
#pragma once
#include <string>
#include <vector>

namespace lk::bench {

struct DwconvBenchRow {
  int n, c, h, w, k, stride;  // "same" padding: (k-1)/2 before, k/2 after
};

struct BenchOptions {
  std::vector<DwconvBenchRow> rows;  // empty: the default rows (the project's targets)
  std::vector<std::string> passes;   // "fwd", "bwd_data", "bwd_weights"; empty: all three
  int reps = 20;
  int warmup = 3;
  int kernel = 3;       // forward version (1 scalar, 2 per-pixel vector, 3 register-blocked = the one in use)
  bool onednn = true;   // also time oneDNN (ratio_onednn)
  std::string device = "cpu";  // "cuda[:N]": our CUDA kernels (native/cuda/dwconv.cu), timed with CUDA events
};

struct DwconvBenchResult {
  DwconvBenchRow row;
  std::string pass;
  double ms, gflops, peak_fraction;
  double onednn_ms;     // NaN when not measured
  double ratio_onednn;  // onednn_ms / ms, NaN when not measured
  std::string onednn_impl;
};

struct DwconvBenchReport {
  double peak_gflops;
  int threads;
  std::string isa;
  std::string device = "cpu";  // cpu, or the GPU's name
  std::string peak_formula;    // how peak_gflops was obtained
  std::vector<DwconvBenchResult> rows;
};

std::vector<DwconvBenchRow> default_dwconv_rows();
std::vector<DwconvBenchRow> default_cuda_dwconv_rows();  // the target (N64 C128 56x56 k31) and the stages
// GFLOP of one pass of a row: 2 x the valid (non-padding) taps summed over all outputs.
double dwconv_effective_gflop(const DwconvBenchRow& r);
// The CUDA bench (native/cuda/dwconv_bench.cu); throws NotImplemented in a build without CUDA.
DwconvBenchReport measure_dwconv_bench_cuda(const BenchOptions& opt);
double measure_fma_peak_gflops();  // all OpenMP threads, independent FMAs, widest vectors the CPU has
DwconvBenchReport measure_dwconv_bench(const BenchOptions& opt);
// {"peak_gflops": P, "rows": [{"n","c","h","w","k","stride","pass","ms","gflops","peak_fraction",
//  "ratio_onednn","ratio_torch":null}]}
std::string dwconv_bench_json(const DwconvBenchReport& r);
std::string dwconv_bench_table(const DwconvBenchReport& r);
std::string run_dwconv_bench(const BenchOptions& opt);  // measure + JSON

}  // namespace lk::bench
