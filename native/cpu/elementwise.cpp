// add, mul, scale (b the same shape as a, or 1-D over the last dim, broadcast over rows) and permute, with
// their backwards. The maps are the ISA kernels of elementwise_kernels.inc; reductions for db are in double.
#include <algorithm>
#include <vector>

#include "cpu_backend.h"
#include "family_kernels.h"

namespace lk::cpu {
namespace {

constexpr int64_t kChunk = 16384;  // elements per OpenMP chunk

bool is_row(const Shape& a, const Shape& b) { return b != a; }

// y = a (op) b, b same-shape or a row of C broadcast over a's rows; chunks of whole rows in the latter case.
Tensor binary(const Tensor& a, const Tensor& b, bool is_mul) {
  Tensor y = Tensor::empty(a.shape());
  const ElementwiseKernels& k = elementwise_kernels();
  const int64_t n = a.numel();
  const float *ap = a.data(), *bp = b.data();
  float* yp = y.data();
  if (!is_row(a.shape(), b.shape())) {
    auto f = is_mul ? k.mul : k.add;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i += kChunk) f(ap + i, bp + i, yp + i, std::min(kChunk, n - i));
  } else {
    const int64_t C = b.numel(), R = C ? n / C : 0, blk = std::max<int64_t>(1, kChunk / std::max<int64_t>(C, 1));
    auto f = is_mul ? k.mul_row : k.add_row;
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < R; r += blk) f(ap + r * C, bp, yp + r * C, std::min(blk, R - r), C);
  }
  return y;
}

// (rows of dy (R, C), optionally times m) summed over rows -> (C), in double, per-thread partial sums.
Tensor col_sum(const Tensor& dy, const Tensor* m) {
  const int64_t C = dy.dim(-1), R = C ? dy.numel() / C : 0;
  const int64_t blk = std::max<int64_t>(1, kChunk / std::max<int64_t>(C, 1));
  const ElementwiseKernels& k = elementwise_kernels();
  std::vector<double> acc(C, 0.0);
#pragma omp parallel
  {
    std::vector<double> local(C, 0.0);
#pragma omp for schedule(static) nowait
    for (int64_t r = 0; r < R; r += blk)
      k.col_sum(dy.data() + r * C, m ? m->data() + r * C : nullptr, local.data(), std::min(blk, R - r), C);
#pragma omp critical
    for (int64_t c = 0; c < C; c++) acc[c] += local[c];
  }
  Tensor out = Tensor::empty({C});
  for (int64_t c = 0; c < C; c++) out.data()[c] = static_cast<float>(acc[c]);
  return out;
}

Tensor add(const Tensor& a, const Tensor& b) { return binary(a, b, false); }

BinaryGrads add_backward(const Tensor& dy, const Shape& b_shape) {
  if (!is_row(dy.shape(), b_shape)) return {dy.clone(), dy.clone()};
  return {dy.clone(), col_sum(dy, nullptr)};
}

Tensor mul(const Tensor& a, const Tensor& b) { return binary(a, b, true); }

BinaryGrads mul_backward(const Tensor& dy, const Tensor& a, const Tensor& b) {
  BinaryGrads g{binary(dy, b, true), Tensor()};
  g.db = is_row(a.shape(), b.shape()) ? col_sum(dy, &a) : binary(dy, a, true);
  return g;
}

Tensor scale(const Tensor& x, float s) {
  Tensor y = Tensor::empty(x.shape());
  const ElementwiseKernels& k = elementwise_kernels();
  const int64_t n = x.numel();
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; i += kChunk) k.scale(x.data() + i, s, y.data() + i, std::min(kChunk, n - i));
  return y;
}

Tensor scale_backward(const Tensor& dy, float s) { return (scale)(dy, s); }

// y[i_0..i_{r-1}] = x[...] with y.shape[d] = x.shape[dims[d]]: one output row (last dim) per iteration,
// read with the stride of x's dim dims[r-1].
Tensor permute(const Tensor& x, const std::vector<int>& dims) {
  const int r = x.ndim();
  if (r == 0) return x.clone();
  Shape ys(r);
  for (int d = 0; d < r; d++) ys[d] = x.dim(dims[d]);
  Tensor y = Tensor::empty(ys);
  std::vector<int64_t> xstride(r, 1);
  for (int d = r - 2; d >= 0; d--) xstride[d] = xstride[d + 1] * x.dim(d + 1);
  std::vector<int64_t> src_stride(r);
  for (int d = 0; d < r; d++) src_stride[d] = xstride[dims[d]];
  const int64_t n = y.numel(), inner = ys[r - 1];
  const int64_t outer = inner ? n / inner : 0;
  const int64_t st = src_stride[r - 1];
#pragma omp parallel for schedule(static)
  for (int64_t o = 0; o < outer; o++) {
    int64_t rem = o, src = 0;
    for (int d = r - 2; d >= 0; d--) {
      src += (rem % ys[d]) * src_stride[d];
      rem /= ys[d];
    }
    const float* xp = x.data() + src;
    float* yp = y.data() + o * inner;
    for (int64_t i = 0; i < inner; i++) yp[i] = xp[i * st];
  }
  return y;
}

Tensor permute_backward(const Tensor& dy, const std::vector<int>& dims) {
  std::vector<int> inv(dims.size());
  for (size_t d = 0; d < dims.size(); d++) inv[dims[d]] = static_cast<int>(d);
  return (permute)(dy, inv);
}

}  // namespace

void fill_elementwise(Backend& b) {
  b.add = add;
  b.add_backward = add_backward;
  b.mul = mul;
  b.mul_backward = mul_backward;
  b.scale = scale;
  b.scale_backward = scale_backward;
  b.permute = permute;
  b.permute_backward = permute_backward;
}

}  // namespace lk::cpu
