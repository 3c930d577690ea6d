// add, mul, scale (b the same shape as a, or 1-D over the last dim) and permute, with their backwards.
#include <vector>

#include "cpu_backend.h"

namespace lk::cpu {
namespace {

bool is_row(const Tensor& a, const Shape& b) { return b != a.shape(); }

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = Tensor::empty(a.shape());
  const int64_t n = a.numel(), C = b.numel();
  const bool row = is_row(a, b.shape());
#pragma omp parallel for simd
  for (int64_t i = 0; i < n; i++) y.data()[i] = a.data()[i] + b.data()[row ? i % C : i];
  return y;
}

// Sum of the rows of dy (N..., C) -> (C), in double.
Tensor row_sum(const Tensor& dy, const Tensor* mulby = nullptr) {
  const int64_t C = dy.dim(-1), R = dy.numel() / C;
  std::vector<double> acc(C, 0.0);
#pragma omp parallel
  {
    std::vector<double> local(C, 0.0);
#pragma omp for nowait
    for (int64_t r = 0; r < R; r++)
      for (int64_t c = 0; c < C; c++) local[c] += static_cast<double>(dy.data()[r * C + c]) * (mulby ? mulby->data()[r * C + c] : 1.f);
#pragma omp critical
    for (int64_t c = 0; c < C; c++) acc[c] += local[c];
  }
  Tensor out = Tensor::empty({C});
  for (int64_t c = 0; c < C; c++) out.data()[c] = static_cast<float>(acc[c]);
  return out;
}

BinaryGrads add_backward(const Tensor& dy, const Shape& b_shape) {
  if (!is_row(dy, b_shape)) return {dy.clone(), dy.clone()};
  return {dy.clone(), row_sum(dy)};
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = Tensor::empty(a.shape());
  const int64_t n = a.numel(), C = b.numel();
  const bool row = is_row(a, b.shape());
#pragma omp parallel for simd
  for (int64_t i = 0; i < n; i++) y.data()[i] = a.data()[i] * b.data()[row ? i % C : i];
  return y;
}

BinaryGrads mul_backward(const Tensor& dy, const Tensor& a, const Tensor& b) {
  // (name) calls suppress argument-dependent lookup of lk::mul / lk::scale / lk::permute.
  BinaryGrads g{(mul)(dy, b), Tensor()};
  if (!is_row(a, b.shape())) {
    g.db = (mul)(dy, a);
  } else {
    g.db = row_sum(dy, &a);
  }
  return g;
}

Tensor scale(const Tensor& x, float s) {
  Tensor y = Tensor::empty(x.shape());
  const int64_t n = x.numel();
#pragma omp parallel for simd
  for (int64_t i = 0; i < n; i++) y.data()[i] = x.data()[i] * s;
  return y;
}

Tensor scale_backward(const Tensor& dy, float s) { return (scale)(dy, s); }

// y[i_0..i_k] = x[...] with y.shape[d] = x.shape[dims[d]].
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
  const int64_t n = y.numel();
  const int64_t inner = r ? ys[r - 1] : 1;
  const int64_t outer = inner ? n / inner : 0;
#pragma omp parallel for
  for (int64_t o = 0; o < outer; o++) {
    // Decompose the outer index into the leading output coordinates.
    int64_t rem = o, src = 0;
    for (int d = r - 2; d >= 0; d--) {
      src += (rem % ys[d]) * src_stride[d];
      rem /= ys[d];
    }
    const float* xp = x.data() + src;
    float* yp = y.data() + o * inner;
    const int64_t st = src_stride[r - 1];
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
