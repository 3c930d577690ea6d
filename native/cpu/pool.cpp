// Pooling over NHWC: average (with or without the padding counted), max (padding = -inf, gradient to the
// first maximum as PyTorch does), global average, and constant padding; with their backwards.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu_backend.h"

namespace lk::cpu {
namespace {

struct Geo {
  int64_t N, H, W, C, OH, OW;
};
Geo geo(const Shape& x, const Pool2dArgs& a) {
  Shape y = pool2d_output_shape(x, a);
  return {x[0], x[1], x[2], x[3], y[1], y[2]};
}

// Window of output (oh, ow): [h0, h1) x [w0, w1) clipped to the image; `full` counts padding taps.
struct Win {
  int64_t h0, h1, w0, w1, full;
};
Win window(const Geo& g, const Pool2dArgs& a, int64_t oh, int64_t ow) {
  int64_t hs = oh * a.stride_h - a.pad_t, ws = ow * a.stride_w - a.pad_l;
  int64_t he = std::min(hs + a.kernel_h, g.H + a.pad_b), we = std::min(ws + a.kernel_w, g.W + a.pad_r);
  int64_t full = (he - hs) * (we - ws);
  return {std::max<int64_t>(hs, 0), std::min(he, g.H), std::max<int64_t>(ws, 0), std::min(we, g.W), full};
}

Tensor avg_pool2d(const Tensor& x, const Pool2dArgs& a) {
  Geo g = geo(x.shape(), a);
  Tensor y = Tensor::zeros({g.N, g.OH, g.OW, g.C});
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < g.N; n++)
    for (int64_t oh = 0; oh < g.OH; oh++)
      for (int64_t ow = 0; ow < g.OW; ow++) {
        Win w = window(g, a, oh, ow);
        float* o = y.data() + ((n * g.OH + oh) * g.OW + ow) * g.C;
        for (int64_t h = w.h0; h < w.h1; h++)
          for (int64_t v = w.w0; v < w.w1; v++) {
            const float* xp = x.data() + ((n * g.H + h) * g.W + v) * g.C;
            for (int64_t c = 0; c < g.C; c++) o[c] += xp[c];
          }
        const float div = static_cast<float>(a.count_include_pad ? w.full : (w.h1 - w.h0) * (w.w1 - w.w0));
        for (int64_t c = 0; c < g.C; c++) o[c] /= div;
      }
  return y;
}

Tensor avg_pool2d_backward(const Tensor& dy, const Shape& xs, const Pool2dArgs& a) {
  Geo g = geo(xs, a);
  Tensor dx = Tensor::zeros(xs);
  // Parallel over images: windows of one image overlap, images do not.
#pragma omp parallel for
  for (int64_t n = 0; n < g.N; n++)
    for (int64_t oh = 0; oh < g.OH; oh++)
      for (int64_t ow = 0; ow < g.OW; ow++) {
        Win w = window(g, a, oh, ow);
        const float div = static_cast<float>(a.count_include_pad ? w.full : (w.h1 - w.h0) * (w.w1 - w.w0));
        const float* d = dy.data() + ((n * g.OH + oh) * g.OW + ow) * g.C;
        for (int64_t h = w.h0; h < w.h1; h++)
          for (int64_t v = w.w0; v < w.w1; v++) {
            float* o = dx.data() + ((n * g.H + h) * g.W + v) * g.C;
            for (int64_t c = 0; c < g.C; c++) o[c] += d[c] / div;
          }
      }
  return dx;
}

// Each output's maximum over its window. Per output position the window's taps are visited in order with all
// channels of a tap at once (contiguous in NHWC, so the compiler vectorises the channel loop); per channel: the
// first tap starts it, a larger value or a NaN replaces it, and once NaN it stays (PyTorch's rule). The backward
// below applies the same rule to find where each gradient goes.
void max_windows(const Tensor& x, const Geo& g, const Pool2dArgs& a, float* y) {
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < g.N; n++)
    for (int64_t oh = 0; oh < g.OH; oh++)
      for (int64_t ow = 0; ow < g.OW; ow++) {
        Win w = window(g, a, oh, ow);
        float* best = y + ((n * g.OH + oh) * g.OW + ow) * g.C;
        bool first = true;
        for (int64_t h = w.h0; h < w.h1; h++)
          for (int64_t v = w.w0; v < w.w1; v++) {
            const float* xp = x.data() + ((n * g.H + h) * g.W + v) * g.C;
            if (first) {
              for (int64_t c = 0; c < g.C; c++) best[c] = xp[c];
              first = false;
              continue;
            }
            for (int64_t c = 0; c < g.C; c++) {
              const float b = best[c], val = xp[c];
              best[c] = (!std::isnan(b) && (val > b || std::isnan(val))) ? val : b;
            }
          }
        if (first)  // an empty window (padding only): -inf
          for (int64_t c = 0; c < g.C; c++) best[c] = -std::numeric_limits<float>::infinity();
      }
}

Tensor max_pool2d(const Tensor& x, const Pool2dArgs& a) {
  Geo g = geo(x.shape(), a);
  Tensor y = Tensor::empty({g.N, g.OH, g.OW, g.C});
  max_windows(x, g, a, y.data());
  return y;
}

// Each output's gradient goes to the input its window took (the first maximum; a NaN wins), added in output
// order. Tasks are (image, block of channels): windows overlap only within one channel, so no two tasks touch the
// same dx element, and each element's sum runs in the same order as a serial loop. (It used to build an index
// array the size of dy first: 51 MB for BiT at 448², a tenth of its input gradient.)
Tensor max_pool2d_backward(const Tensor& dy, const Tensor& x, const Pool2dArgs& a) {
  Geo g = geo(x.shape(), a);
  Tensor dx = Tensor::zeros(x.shape());
  constexpr int64_t kBlock = 64;
  const int64_t blocks = (g.C + kBlock - 1) / kBlock;
  const float* X = x.data();
  const float* DY = dy.data();
  float* DX = dx.data();
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t n = 0; n < g.N; n++)
    for (int64_t cb = 0; cb < blocks; cb++) {
      const int64_t c0 = cb * kBlock, nc = std::min(kBlock, g.C - c0);
      float best[kBlock];
      int64_t at[kBlock];
      for (int64_t oh = 0; oh < g.OH; oh++)
        for (int64_t ow = 0; ow < g.OW; ow++) {
          Win w = window(g, a, oh, ow);
          bool first = true;
          for (int64_t h = w.h0; h < w.h1; h++)
            for (int64_t v = w.w0; v < w.w1; v++) {
              const int64_t i0 = ((n * g.H + h) * g.W + v) * g.C + c0;
              const float* xp = X + i0;
              if (first) {
                for (int64_t c = 0; c < nc; c++) best[c] = xp[c], at[c] = i0 + c;
                first = false;
                continue;
              }
              for (int64_t c = 0; c < nc; c++) {
                const float b = best[c], val = xp[c];
                const bool take = !std::isnan(b) && (val > b || std::isnan(val));
                best[c] = take ? val : b;
                at[c] = take ? i0 + c : at[c];
              }
            }
          if (first) continue;  // a window of padding only: no input gets its gradient
          const float* d = DY + ((n * g.OH + oh) * g.OW + ow) * g.C + c0;
          for (int64_t c = 0; c < nc; c++) DX[at[c]] += d[c];
        }
    }
  return dx;
}

Tensor global_avg_pool(const Tensor& x) {
  const int64_t N = x.dim(0), P = x.dim(1) * x.dim(2), C = x.dim(3);
  Tensor y = Tensor::empty({N, C});
#pragma omp parallel for
  for (int64_t n = 0; n < N; n++) {
    std::vector<double> acc(C, 0.0);
    for (int64_t p = 0; p < P; p++)
      for (int64_t c = 0; c < C; c++) acc[c] += x.data()[(n * P + p) * C + c];
    for (int64_t c = 0; c < C; c++) y.data()[n * C + c] = static_cast<float>(acc[c] / P);
  }
  return y;
}

Tensor global_avg_pool_backward(const Tensor& dy, const Shape& xs) {
  const int64_t N = xs[0], P = xs[1] * xs[2], C = xs[3];
  Tensor dx = Tensor::empty(xs);
  const float inv = P ? 1.f / static_cast<float>(P) : 0.f;
#pragma omp parallel for
  for (int64_t n = 0; n < N; n++)
    for (int64_t p = 0; p < P; p++)
      for (int64_t c = 0; c < C; c++) dx.data()[(n * P + p) * C + c] = dy.data()[n * C + c] * inv;
  return dx;
}

Tensor pad2d(const Tensor& x, const Pad2dArgs& a) {
  const int64_t N = x.dim(0), H = x.dim(1), W = x.dim(2), C = x.dim(3);
  const int64_t OH = H + a.pad_t + a.pad_b, OW = W + a.pad_l + a.pad_r;
  Tensor y = Tensor::empty({N, OH, OW, C});
  y.fill(a.value);
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < N; n++)
    for (int64_t h = 0; h < H; h++)
      std::copy(x.data() + (n * H + h) * W * C, x.data() + (n * H + h + 1) * W * C,
                y.data() + ((n * OH + h + a.pad_t) * OW + a.pad_l) * C);
  return y;
}

Tensor pad2d_backward(const Tensor& dy, const Pad2dArgs& a) {
  const int64_t N = dy.dim(0), OH = dy.dim(1), OW = dy.dim(2), C = dy.dim(3);
  const int64_t H = OH - a.pad_t - a.pad_b, W = OW - a.pad_l - a.pad_r;
  Tensor dx = Tensor::empty({N, H, W, C});
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < N; n++)
    for (int64_t h = 0; h < H; h++)
      std::copy(dy.data() + ((n * OH + h + a.pad_t) * OW + a.pad_l) * C,
                dy.data() + ((n * OH + h + a.pad_t) * OW + a.pad_l + W) * C, dx.data() + (n * H + h) * W * C);
  return dx;
}

}  // namespace

void fill_pool(Backend& b) {
  b.avg_pool2d = avg_pool2d;
  b.avg_pool2d_backward = avg_pool2d_backward;
  b.max_pool2d = max_pool2d;
  b.max_pool2d_backward = max_pool2d_backward;
  b.global_avg_pool = global_avg_pool;
  b.global_avg_pool_backward = global_avg_pool_backward;
  b.pad2d = pad2d;
  b.pad2d_backward = pad2d_backward;
}

}  // namespace lk::cpu
