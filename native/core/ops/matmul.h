// GEMM family. linear: x (..., in), w (out, in), b (out) or undefined -> (..., out).
// matmul: a (B..., M, K) [or (B..., K, M) with trans_a], b (B..., K, N) [or (B..., N, K) with trans_b]
// -> (B..., M, N); batch dims must be equal (no broadcasting).
#pragma once
#include "../tensor.h"

namespace lk {

struct LinearGrads {
  Tensor dw;  // (out, in)
  Tensor db;  // (out) when requested
};

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);
Tensor linear_backward_input(const Tensor& dy, const Tensor& w);
LinearGrads linear_backward_params(const Tensor& dy, const Tensor& x, bool with_bias);

struct MatmulGrads {
  Tensor da, db;  // shaped like a and b
};
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
MatmulGrads matmul_backward(const Tensor& dy, const Tensor& a, const Tensor& b, bool trans_a = false,
                            bool trans_b = false);

// The GEMM sizes of a (checked) matmul, for the backends: batch = product of the leading dims.
struct MatmulDims {
  int64_t batch, m, n, k;
};
inline MatmulDims matmul_dims(const Shape& a, const Shape& b, bool ta, bool tb) {
  const size_t r = a.size();
  MatmulDims d{1, ta ? a[r - 1] : a[r - 2], tb ? b[r - 2] : b[r - 1], ta ? a[r - 2] : a[r - 1]};
  for (size_t i = 0; i + 2 < r; i++) d.batch *= a[i];
  return d;
}

}  // namespace lk
