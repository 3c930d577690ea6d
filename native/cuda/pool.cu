// Pooling over NHWC on CUDA: average (padding counted or not), max (padding = -inf; the gradient goes to the
// first maximum in window order, a NaN once met propagates, as on the CPU and in PyTorch), global average.
// Backwards gather (one thread per input element, visiting the outputs whose windows contain it), so no
// atomics and the result does not depend on scheduling.
#include <cmath>

#include "common.cuh"

namespace lk::cuda {
namespace {

struct PoolGeom {
  int N, H, W, C, OH, OW;
  int kh, kw, sh, sw, pt, pb, pl, pr;
  bool count_include_pad;
};

PoolGeom pool_geom(const Shape& x, const Pool2dArgs& a) {
  Shape y = pool2d_output_shape(x, a);
  return {static_cast<int>(x[0]), static_cast<int>(x[1]), static_cast<int>(x[2]), static_cast<int>(x[3]),
          static_cast<int>(y[1]), static_cast<int>(y[2]), a.kernel_h, a.kernel_w, a.stride_h, a.stride_w,
          a.pad_t, a.pad_b, a.pad_l, a.pad_r, a.count_include_pad};
}

// The window of output (oh, ow) clipped to the image, and its divisor for average pooling.
struct Window {
  int h0, h1, w0, w1;
  float div;
};

__device__ Window window_of(const PoolGeom& g, int oh, int ow) {
  const int hs = oh * g.sh - g.pt, ws = ow * g.sw - g.pl;
  const int he = min(hs + g.kh, g.H + g.pb), we = min(ws + g.kw, g.W + g.pr);
  Window w{max(hs, 0), min(he, g.H), max(ws, 0), min(we, g.W), 0.f};
  w.div = static_cast<float>(g.count_include_pad ? (he - hs) * (we - ws) : (w.h1 - w.h0) * (w.w1 - w.w0));
  return w;
}

// Outputs whose window can contain input row h: oh in [lo, hi].
__device__ void covering(int h, int k, int s, int pad, int out, int& lo, int& hi) {
  const int t = h + pad;  // oh * s <= t and oh * s + k > t
  lo = t - k + 1 <= 0 ? 0 : (t - k + 1 + s - 1) / s;
  hi = min(t / s, out - 1);
}

// Index (n, oh, ow, c) from a flat output-ordered i.
__device__ void unflatten(long long i, int C, int OW, int OH, int& c, int& ow, int& oh, long long& n) {
  c = static_cast<int>(i % C);
  long long p = i / C;
  ow = static_cast<int>(p % OW);
  p /= OW;
  oh = static_cast<int>(p % OH);
  n = p / OH;
}

__global__ void avg_pool_kernel(const float* __restrict__ x, float* __restrict__ y, long long total, PoolGeom g) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < total; i += stride) {
    int c, ow, oh;
    long long n;
    unflatten(i, g.C, g.OW, g.OH, c, ow, oh, n);
    const Window w = window_of(g, oh, ow);
    float s = 0.f;
    for (int h = w.h0; h < w.h1; h++)
      for (int v = w.w0; v < w.w1; v++) s += x[((n * g.H + h) * g.W + v) * g.C + c];
    y[i] = s / w.div;
  }
}

__global__ void avg_pool_backward_kernel(const float* __restrict__ dy, float* __restrict__ dx, long long total,
                                         PoolGeom g) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < total; i += stride) {
    int c, w, h;
    long long n;
    unflatten(i, g.C, g.W, g.H, c, w, h, n);
    int oh0, oh1, ow0, ow1;
    covering(h, g.kh, g.sh, g.pt, g.OH, oh0, oh1);
    covering(w, g.kw, g.sw, g.pl, g.OW, ow0, ow1);
    float s = 0.f;
    for (int oh = oh0; oh <= oh1; oh++)
      for (int ow = ow0; ow <= ow1; ow++) s += dy[((n * g.OH + oh) * g.OW + ow) * g.C + c] / window_of(g, oh, ow).div;
    dx[i] = s;
  }
}

// The flat input index of the maximum of output (n, oh, ow, c) (first in window order), and its value.
__device__ long long argmax_of(const float* __restrict__ x, const PoolGeom& g, long long n, int oh, int ow, int c,
                               float& best) {
  const Window w = window_of(g, oh, ow);
  best = -INFINITY;
  long long bi = -1;
  for (int h = w.h0; h < w.h1; h++)
    for (int v = w.w0; v < w.w1; v++) {
      const long long k = ((n * g.H + h) * g.W + v) * g.C + c;
      const float val = x[k];
      const bool best_nan = bi >= 0 && isnan(best);
      if (!best_nan && (bi < 0 || val > best || isnan(val))) {
        best = val;
        bi = k;
      }
    }
  return bi;
}

__global__ void max_pool_kernel(const float* __restrict__ x, float* __restrict__ y, long long total, PoolGeom g) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < total; i += stride) {
    int c, ow, oh;
    long long n;
    unflatten(i, g.C, g.OW, g.OH, c, ow, oh, n);
    float best;
    argmax_of(x, g, n, oh, ow, c, best);
    y[i] = best;
  }
}

__global__ void max_pool_backward_kernel(const float* __restrict__ dy, const float* __restrict__ x,
                                         float* __restrict__ dx, long long total, PoolGeom g) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < total; i += stride) {
    int c, w, h;
    long long n;
    unflatten(i, g.C, g.W, g.H, c, w, h, n);
    int oh0, oh1, ow0, ow1;
    covering(h, g.kh, g.sh, g.pt, g.OH, oh0, oh1);
    covering(w, g.kw, g.sw, g.pl, g.OW, ow0, ow1);
    float s = 0.f;
    for (int oh = oh0; oh <= oh1; oh++)
      for (int ow = ow0; ow <= ow1; ow++) {
        float best;
        if (argmax_of(x, g, n, oh, ow, c, best) == i) s += dy[((n * g.OH + oh) * g.OW + ow) * g.C + c];
      }
    dx[i] = s;
  }
}

template <class Launch>
Tensor run(const Tensor& like, const Shape& out_shape, Launch launch) {
  DeviceScope scope(like.device().index);
  Tensor y = Tensor::empty(out_shape, like.device());
  const long long total = y.numel();
  if (total == 0) return y;
  launch(y.data(), total);
  check_launch();
  return y;
}

Tensor avg_pool2d(const Tensor& x, const Pool2dArgs& a) {
  const PoolGeom g = pool_geom(x.shape(), a);
  return run(x, {g.N, g.OH, g.OW, g.C}, [&](float* y, long long n) {
    avg_pool_kernel<<<grid_for(n), kThreads, 0, current_stream()>>>(x.data(), y, n, g);
  });
}

Tensor avg_pool2d_backward(const Tensor& dy, const Shape& xs, const Pool2dArgs& a) {
  const PoolGeom g = pool_geom(xs, a);
  return run(dy, xs, [&](float* dx, long long n) {
    avg_pool_backward_kernel<<<grid_for(n), kThreads, 0, current_stream()>>>(dy.data(), dx, n, g);
  });
}

Tensor max_pool2d(const Tensor& x, const Pool2dArgs& a) {
  const PoolGeom g = pool_geom(x.shape(), a);
  return run(x, {g.N, g.OH, g.OW, g.C}, [&](float* y, long long n) {
    max_pool_kernel<<<grid_for(n), kThreads, 0, current_stream()>>>(x.data(), y, n, g);
  });
}

Tensor max_pool2d_backward(const Tensor& dy, const Tensor& x, const Pool2dArgs& a) {
  const PoolGeom g = pool_geom(x.shape(), a);
  return run(x, x.shape(), [&](float* dx, long long n) {
    max_pool_backward_kernel<<<grid_for(n), kThreads, 0, current_stream()>>>(dy.data(), x.data(), dx, n, g);
  });
}

// ---- global average pool: (N, H, W, C) -> (N, C), one thread per (n, c) summing P positions in double ----
__global__ void global_avg_kernel(const float* __restrict__ x, float* __restrict__ y, long long NC, int C,
                                  long long P) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < NC; i += stride) {
    const long long n = i / C;
    const int c = static_cast<int>(i % C);
    double s = 0;
    for (long long p = 0; p < P; p++) s += x[(n * P + p) * C + c];
    y[i] = static_cast<float>(s / P);
  }
}

__global__ void global_avg_backward_kernel(const float* __restrict__ dy, float* __restrict__ dx, long long total,
                                           int C, long long P, float inv) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < total; i += stride) dx[i] = dy[(i / (P * C)) * C + i % C] * inv;
}

Tensor global_avg_pool(const Tensor& x) {
  const long long P = x.dim(1) * x.dim(2);
  const int C = static_cast<int>(x.dim(3));
  return run(x, {x.dim(0), x.dim(3)}, [&](float* y, long long n) {
    global_avg_kernel<<<grid_for(n), kThreads, 0, current_stream()>>>(x.data(), y, n, C, P);
  });
}

Tensor global_avg_pool_backward(const Tensor& dy, const Shape& xs) {
  const long long P = xs[1] * xs[2];
  const float inv = P ? 1.f / static_cast<float>(P) : 0.f;
  return run(dy, xs, [&](float* dx, long long n) {
    global_avg_backward_kernel<<<grid_for(n), kThreads, 0, current_stream()>>>(dy.data(), dx, n,
                                                                               static_cast<int>(xs[3]), P, inv);
  });
}

}  // namespace

void fill_pool(Backend& b) {
  b.avg_pool2d = avg_pool2d;
  b.avg_pool2d_backward = avg_pool2d_backward;
  b.max_pool2d = max_pool2d;
  b.max_pool2d_backward = max_pool2d_backward;
  b.global_avg_pool = global_avg_pool;
  b.global_avg_pool_backward = global_avg_pool_backward;
}

}  // namespace lk::cuda
