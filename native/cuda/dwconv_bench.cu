// The CUDA side of the depthwise bench (measure_dwconv_bench_cuda in bench/dwconv_bench_core.h): our kernels
// (dwconv.cu) on device buffers, each rep timed by CUDA events around one launch, median of `reps` after
// `warmup`. The default rows' activations (N64 C128 56x56: 103 MB) exceed L2, so no flush between reps.
//
// Peak: SMs x SM clock x FP32 lanes per SM x 2 (an FMA is 2 FLOPs), lanes 64 on sm_80 (A100) and 128 on
// sm_86/89/90 (H100: 132 SMs x 1.98 GHz x 128 x 2 = 66.9 TFLOP/s at the boost clock the driver reports).
#include <algorithm>
#include <random>
#include <vector>

#include "bench/dwconv_bench_core.h"
#include "common.cuh"
#include "dwconv.cuh"

namespace lk::bench {
namespace {

double fp32_peak_gflops(int dev, std::string& formula, std::string& name) {
  cudaDeviceProp p;
  LK_CUDA_CHECK(cudaGetDeviceProperties(&p, dev));
  int khz = 0;
  LK_CUDA_CHECK(cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, dev));
  const int lanes = (p.major == 8 && p.minor == 0) ? 64 : 128;
  name = std::string("cuda:") + std::to_string(dev) + " " + p.name;
  formula = std::to_string(p.multiProcessorCount) + " SMs x " + std::to_string(khz / 1000) + " MHz x " +
            std::to_string(lanes) + " FP32 lanes x 2";
  return static_cast<double>(p.multiProcessorCount) * khz * 1e3 * lanes * 2 * 1e-9;
}

float* device_random(size_t n, std::mt19937& rng, int dev) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> h(n);
  for (float& v : h) v = u(rng);
  float* d = static_cast<float*>(cuda::cached_alloc(n * sizeof(float), dev));
  LK_CUDA_CHECK(cudaMemcpy(d, h.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  return d;
}

template <class F>
double time_ms_events(F&& f, int warmup, int reps) {
  cudaStream_t s = cuda::current_stream();
  for (int i = 0; i < warmup; i++) f();
  cudaEvent_t a, b;
  LK_CUDA_CHECK(cudaEventCreate(&a));
  LK_CUDA_CHECK(cudaEventCreate(&b));
  std::vector<double> t;
  for (int i = 0; i < reps; i++) {
    LK_CUDA_CHECK(cudaEventRecord(a, s));
    f();
    LK_CUDA_CHECK(cudaEventRecord(b, s));
    LK_CUDA_CHECK(cudaEventSynchronize(b));
    float ms = 0;
    LK_CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
    t.push_back(ms);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

DwconvBenchReport measure_dwconv_bench_cuda(const BenchOptions& opt) {
  const Device d = Device::parse(opt.device);
  backend_for(d);  // a named error without a CUDA device
  cuda::DeviceScope scope(d.index);
  DwconvBenchReport rep;
  rep.threads = 0;
  rep.isa = "cuda";
  rep.peak_gflops = fp32_peak_gflops(d.index, rep.peak_formula, rep.device);
  const auto rows = opt.rows.empty() ? default_cuda_dwconv_rows() : opt.rows;
  std::vector<std::string> passes = opt.passes;
  if (passes.empty()) passes = {"fwd", "bwd_data", "bwd_weights"};
  for (const auto& p : passes)
    if (p != "fwd" && p != "bwd_data" && p != "bwd_weights")
      throw ArgError("dwconv bench: unknown pass \"" + p + "\" (fwd, bwd_data, bwd_weights)");
  std::mt19937 rng(0);
  for (const auto& r : rows) {
    const int pt = (r.k - 1) / 2, pb = r.k / 2;
    const int oh = (r.h + pt + pb - r.k) / r.stride + 1, ow = (r.w + pt + pb - r.k) / r.stride + 1;
    const cuda::DwGeom g{r.n, r.h, r.w, r.c, r.k, r.k, r.stride, r.stride, pt, pt, oh, ow, 1, 1};
    const size_t nx = static_cast<size_t>(r.n) * r.h * r.w * r.c, ny = static_cast<size_t>(r.n) * oh * ow * r.c;
    float *x = device_random(nx, rng, d.index), *w = device_random(static_cast<size_t>(r.c) * r.k * r.k, rng, d.index),
          *b = device_random(r.c, rng, d.index), *dy = device_random(ny, rng, d.index);
    float* y = static_cast<float*>(cuda::cached_alloc(ny * sizeof(float), d.index));
    float* dx = static_cast<float*>(cuda::cached_alloc(nx * sizeof(float), d.index));
    float* dw = static_cast<float*>(cuda::cached_alloc(static_cast<size_t>(r.c) * r.k * r.k * sizeof(float), d.index));
    const double gflop = dwconv_effective_gflop(r);
    for (const auto& pass : passes) {
      DwconvBenchResult res{r, pass, 0, 0, 0, NAN, NAN, ""};
      if (pass == "fwd")
        res.ms = time_ms_events([&] { cuda::dw_forward(x, w, b, y, g); }, opt.warmup, opt.reps);
      else if (pass == "bwd_data")
        res.ms = time_ms_events([&] { cuda::dw_backward_data(dy, w, dx, g); }, opt.warmup, opt.reps);
      else
        res.ms = time_ms_events([&] { cuda::dw_backward_weights(dy, x, dw, g); }, opt.warmup, opt.reps);
      res.gflops = gflop / (res.ms * 1e-3);
      res.peak_fraction = res.gflops / rep.peak_gflops;
      rep.rows.push_back(res);
    }
    for (float* p : {x, w, b, dy, y, dx, dw}) cuda::cached_free(p, d.index);
  }
  return rep;
}

}  // namespace lk::bench
