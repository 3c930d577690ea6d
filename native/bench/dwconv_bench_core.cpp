// Depthwise conv benchmark core (see dwconv_bench_core.h).
//
// Effective FLOPs = 2 x (valid, non-padding taps) summed over outputs, the same count for all three passes.
// Ours and oneDNN's run in the same process on the same OpenMP pool; oneDNN gets NHWC activations, weights in
// its preferred layout (format_tag::any, reordered once outside the timing) and its primitive created once.
// Activations are larger than L2 for the default rows, so no cache flush between reps.
#include "dwconv_bench_core.h"

#include <immintrin.h>
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <new>
#include <unordered_map>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>

#include "../cpu/aligned_vector.h"
#include "../cpu/dwconv.h"
#include "../cpu/dwconv_impl.h"
#include "../cpu/isa.h"

namespace lk::bench {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ------------------------------------------------------------------------------------------- FMA peak
// 12 independent accumulators per thread: enough to cover FMA latency x throughput (4 cycles x 2 pipes).
__attribute__((target("avx512f,fma"))) double fma_loop_avx512(long iters) {
  __m512 a[12];
  for (int i = 0; i < 12; i++) a[i] = _mm512_set1_ps(1.f + i * 1e-3f);
  const __m512 m = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iters; it++)
    for (int i = 0; i < 12; i++) a[i] = _mm512_fmadd_ps(a[i], m, b);
  __m512 s = a[0];
  for (int i = 1; i < 12; i++) s = _mm512_add_ps(s, a[i]);
  float t[16];
  _mm512_storeu_ps(t, s);
  return t[0] + t[15];
}
__attribute__((target("avx2,fma"))) double fma_loop_avx2(long iters) {
  __m256 a[12];
  for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps(1.f + i * 1e-3f);
  const __m256 m = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < iters; it++)
    for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], m, b);
  float t[8];
  __m256 s = a[0];
  for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, a[i]);
  _mm256_storeu_ps(t, s);
  return t[0] + t[7];
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

template <class F>
double time_ms(F&& f, int warmup, int reps) {
  for (int i = 0; i < warmup; i++) f();
  std::vector<double> t;
  for (int i = 0; i < reps; i++) {
    const double t0 = omp_get_wtime();
    f();
    t.push_back((omp_get_wtime() - t0) * 1e3);
  }
  return median(t);
}

// valid taps of one dimension summed over its outputs
int64_t valid_taps_1d(int in, int k, int s, int pad, int out) {
  int64_t v = 0;
  for (int o = 0; o < out; o++) {
    const int b = o * s - pad;
    v += std::max(0, std::min(k, in - b) - std::max(0, -b));
  }
  return v;
}

using FloatVec = lk::cpu::AlignedFloats;

FloatVec random_vec(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  FloatVec v(n);
  for (auto& e : v) e = u(rng);
  return v;
}

struct OneDnn {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
};

}  // namespace

std::vector<DwconvBenchRow> default_dwconv_rows() {
  return {{8, 128, 56, 56, 31, 1}, {8, 256, 28, 28, 29, 1}, {8, 512, 14, 14, 27, 1},
          {8, 1024, 7, 7, 13, 1},  {8, 128, 56, 56, 7, 1}};
}

std::vector<DwconvBenchRow> default_cuda_dwconv_rows() {
  return {{64, 128, 56, 56, 31, 1}, {64, 256, 28, 28, 29, 1}, {64, 512, 14, 14, 27, 1},
          {64, 1024, 7, 7, 13, 1},  {64, 128, 56, 56, 7, 1}};
}

double dwconv_effective_gflop(const DwconvBenchRow& r) {
  const int pt = (r.k - 1) / 2, pb = r.k / 2;
  const int oh = (r.h + pt + pb - r.k) / r.stride + 1, ow = (r.w + pt + pb - r.k) / r.stride + 1;
  return 2.0 * r.n * r.c * valid_taps_1d(r.h, r.k, r.stride, pt, oh) * valid_taps_1d(r.w, r.k, r.stride, pt, ow) * 1e-9;
}

double measure_fma_peak_gflops() {
  const bool z = lk::cpu::detected_isa() >= lk::cpu::Isa::avx512;
  if (lk::cpu::detected_isa() < lk::cpu::Isa::avx2) return kNaN;
  const int lanes = z ? 16 : 8;
  const long iters = 20000000;
  double best = 0, sink = 0;
  for (int rep = 0; rep < 3; rep++) {
    const double t0 = omp_get_wtime();
    int nt = 1;
#pragma omp parallel reduction(+ : sink)
    {
#pragma omp single
      nt = omp_get_num_threads();
      sink += z ? fma_loop_avx512(iters) : fma_loop_avx2(iters);
    }
    const double dt = omp_get_wtime() - t0;
    best = std::max(best, (double)nt * iters * 12 * lanes * 2 / dt * 1e-9);
  }
  if (sink == 12345.678) std::printf(" ");  // keep the loops
  return best;
}

DwconvBenchReport measure_dwconv_bench(const BenchOptions& opt) {
  using namespace dnnl;
  using tag = memory::format_tag;
  using dt = memory::data_type;
  if (opt.device != "cpu") return measure_dwconv_bench_cuda(opt);
  DwconvBenchReport rep;
  rep.peak_formula = "measured: independent FMAs on all threads";
  rep.threads = lk::cpu::num_threads();
  rep.isa = lk::cpu::dw::isa_name();
  rep.peak_gflops = measure_fma_peak_gflops();
  const auto rows = opt.rows.empty() ? default_dwconv_rows() : opt.rows;
  std::vector<std::string> passes = opt.passes;
  if (passes.empty()) passes = {"fwd", "bwd_data", "bwd_weights"};
  for (const auto& p : passes)
    if (p != "fwd" && p != "bwd_data" && p != "bwd_weights")
      throw std::invalid_argument("dwconv bench: unknown pass \"" + p + "\" (fwd, bwd_data, bwd_weights)");
  std::unique_ptr<OneDnn> dn;
  if (opt.onednn) dn = std::make_unique<OneDnn>();
  std::mt19937 rng(0);

  for (const auto& r : rows) {
    const int pt = (r.k - 1) / 2, pb = r.k / 2;
    lk::cpu::dw::Geometry g{r.n, r.h, r.w, r.c, r.k, r.k, r.stride, r.stride, pt, pt, 0, 0};
    g.oh = (r.h + pt + pb - r.k) / r.stride + 1;
    g.ow = (r.w + pt + pb - r.k) / r.stride + 1;
    if (!lk::cpu::dw::supported(g)) throw std::invalid_argument("dwconv bench: unsupported row");
    const int64_t taps = (int64_t)r.n * r.c * valid_taps_1d(r.h, r.k, r.stride, pt, g.oh) *
                         valid_taps_1d(r.w, r.k, r.stride, pt, g.ow);
    const double gflop = 2.0 * taps * 1e-9;
    auto x = random_vec((size_t)r.n * r.h * r.w * r.c, rng), w = random_vec((size_t)r.c * r.k * r.k, rng),
         b = random_vec(r.c, rng), dy = random_vec((size_t)r.n * g.oh * g.ow * r.c, rng);
    FloatVec y(dy.size()), dx(x.size()), dw(w.size()), db(r.c);

    // oneDNN descriptors for this row
    const memory::dims src_d{r.n, r.c, r.h, r.w}, dst_d{r.n, r.c, g.oh, g.ow}, wei_d{r.c, 1, 1, r.k, r.k},
        bias_d{r.c}, strides{r.stride, r.stride}, pad_l{pt, pt}, pad_r{pb, pb};
    const memory::desc src_md(src_d, dt::f32, tag::nhwc), dst_md(dst_d, dt::f32, tag::nhwc),
        wei_any(wei_d, dt::f32, tag::any), wei_user(wei_d, dt::f32, tag::goihw), bias_md(bias_d, dt::f32, tag::x);

    for (const auto& pass : passes) {
      DwconvBenchResult res{r, pass, 0, 0, 0, kNaN, kNaN, ""};
      if (pass == "fwd")
        res.ms = time_ms([&] { lk::cpu::dw::forward_version(opt.kernel, x.data(), w.data(), b.data(), y.data(), g); },
                         opt.warmup, opt.reps);
      else if (pass == "bwd_data")
        res.ms = time_ms([&] { lk::cpu::dw::backward_data(dy.data(), w.data(), dx.data(), g); }, opt.warmup, opt.reps);
      else
        res.ms = time_ms([&] { lk::cpu::dw::backward_weights(dy.data(), x.data(), dw.data(), db.data(), g); },
                         opt.warmup, opt.reps);

      if (dn) {
        auto& eng = dn->eng;
        auto& s = dn->strm;
        convolution_forward::desc fd(pass == "fwd" ? prop_kind::forward_inference : prop_kind::forward_training,
                                     algorithm::convolution_direct, src_md, wei_any, bias_md, dst_md, strides, pad_l,
                                     pad_r);
        convolution_forward::primitive_desc fpd(fd, eng);
        memory xm(src_md, eng, x.data()), ym(dst_md, eng, y.data()), bm(bias_md, eng, b.data()),
            dym(dst_md, eng, dy.data()), dxm(src_md, eng, dx.data()), dbm(bias_md, eng, db.data());
        memory wu(wei_user, eng, w.data());
        auto weights_in = [&](const memory::desc& want) {
          memory m(want, eng);
          reorder(wu, m).execute(s, wu, m);
          s.wait();
          return m;
        };
        primitive prim;
        std::unordered_map<int, memory> args;
        if (pass == "fwd") {
          prim = convolution_forward(fpd);
          res.onednn_impl = fpd.impl_info_str();
          args = {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, weights_in(fpd.weights_desc())}, {DNNL_ARG_BIAS, bm},
                  {DNNL_ARG_DST, ym}};
        } else if (pass == "bwd_data") {
          convolution_backward_data::desc d(algorithm::convolution_direct, src_md, wei_any, dst_md, strides, pad_l,
                                            pad_r);
          convolution_backward_data::primitive_desc pd(d, eng, fpd);
          prim = convolution_backward_data(pd);
          res.onednn_impl = pd.impl_info_str();
          args = {{DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_WEIGHTS, weights_in(pd.weights_desc())},
                  {DNNL_ARG_DIFF_SRC, dxm}};
        } else {
          convolution_backward_weights::desc d(algorithm::convolution_direct, src_md, wei_any, bias_md, dst_md, strides,
                                               pad_l, pad_r);
          convolution_backward_weights::primitive_desc pd(d, eng, fpd);
          prim = convolution_backward_weights(pd);
          res.onednn_impl = pd.impl_info_str();
          args = {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_DIFF_WEIGHTS, memory(pd.diff_weights_desc(), eng)},
                  {DNNL_ARG_DIFF_BIAS, dbm}};
        }
        res.onednn_ms = time_ms(
            [&] {
              prim.execute(s, args);
              s.wait();
            },
            opt.warmup, opt.reps);
        res.ratio_onednn = res.onednn_ms / res.ms;
      }
      res.gflops = gflop / (res.ms * 1e-3);
      res.peak_fraction = res.gflops / rep.peak_gflops;
      rep.rows.push_back(res);
    }
  }
  return rep;
}

std::string dwconv_bench_json(const DwconvBenchReport& r) {
  auto num = [](double v) {
    if (!std::isfinite(v)) return std::string("null");
    char b[64];
    std::snprintf(b, sizeof b, "%.6g", v);
    return std::string(b);
  };
  std::ostringstream o;
  o << "{\"device\": \"" << r.device << "\", \"peak_gflops\": " << num(r.peak_gflops) << ", \"peak_formula\": \""
    << r.peak_formula << "\", \"rows\": [";
  for (size_t i = 0; i < r.rows.size(); i++) {
    const auto& e = r.rows[i];
    o << (i ? ", " : "") << "{\"n\": " << e.row.n << ", \"c\": " << e.row.c << ", \"h\": " << e.row.h
      << ", \"w\": " << e.row.w << ", \"k\": " << e.row.k << ", \"stride\": " << e.row.stride << ", \"pass\": \""
      << e.pass << "\", \"ms\": " << num(e.ms) << ", \"gflops\": " << num(e.gflops)
      << ", \"peak_fraction\": " << num(e.peak_fraction) << ", \"ratio_onednn\": " << num(e.ratio_onednn)
      << ", \"ratio_torch\": null}";
  }
  o << "]}";
  return o.str();
}

std::string dwconv_bench_table(const DwconvBenchReport& r) {
  std::ostringstream o;
  char b[256];
  if (r.device == "cpu")
    std::snprintf(b, sizeof b, "# dwconv bench: isa %s, %d threads, FMA peak %.1f GFLOP/s\n", r.isa.c_str(), r.threads,
                  r.peak_gflops);
  else
    std::snprintf(b, sizeof b, "# dwconv bench: %s, fp32 peak %.1f GFLOP/s (%s)\n", r.device.c_str(), r.peak_gflops,
                  r.peak_formula.c_str());
  o << b;
  std::snprintf(b, sizeof b, "%3s %5s %4s %4s %3s %6s %-11s %9s %8s %6s %9s %6s  %s\n", "n", "c", "h", "w", "k",
                "stride", "pass", "ms", "gflops", "peak", "onednn_ms", "ratio", "onednn impl");
  o << b;
  for (const auto& e : r.rows) {
    std::snprintf(b, sizeof b, "%3d %5d %4d %4d %3d %6d %-11s %9.3f %8.1f %6.3f %9.3f %6.2f  %s\n", e.row.n, e.row.c,
                  e.row.h, e.row.w, e.row.k, e.row.stride, e.pass.c_str(), e.ms, e.gflops, e.peak_fraction,
                  e.onednn_ms, e.ratio_onednn, e.onednn_impl.c_str());
    o << b;
  }
  return o.str();
}

std::string run_dwconv_bench(const BenchOptions& opt) { return dwconv_bench_json(measure_dwconv_bench(opt)); }

}  // namespace lk::bench
