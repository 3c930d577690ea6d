// ReLU, GELU (exact erf and tanh forms) and softmax over the last dim, with their backwards. The loops are
// the ISA kernels of activation_kernels.inc; here only the split over threads.
#include <algorithm>

#include "cpu_backend.h"
#include "family_kernels.h"

namespace lk::cpu {
namespace {

constexpr int64_t kChunk = 16384;  // elements per OpenMP chunk for the elementwise maps

// f(offset, count) over [0, n) in parallel chunks.
template <class F>
void chunks(int64_t n, F&& f) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; i += kChunk) f(i, std::min(kChunk, n - i));
}

int64_t rows_of(const Tensor& x) { return x.dim(-1) ? x.numel() / x.dim(-1) : 0; }

Tensor relu(const Tensor& x) {
  Tensor y = Tensor::empty(x.shape());
  const ActivationKernels& k = activation_kernels();
  chunks(x.numel(), [&](int64_t o, int64_t n) { k.relu(x.data() + o, y.data() + o, n); });
  return y;
}

Tensor relu_backward(const Tensor& dy, const Tensor& x) {
  Tensor dx = Tensor::empty(x.shape());
  const ActivationKernels& k = activation_kernels();
  chunks(x.numel(), [&](int64_t o, int64_t n) { k.relu_backward(dy.data() + o, x.data() + o, dx.data() + o, n); });
  return dx;
}

Tensor gelu(const Tensor& x, GeluApprox approx) {
  Tensor y = Tensor::empty(x.shape());
  const ActivationKernels& k = activation_kernels();
  const bool t = approx == GeluApprox::tanh;
  chunks(x.numel(), [&](int64_t o, int64_t n) { k.gelu(x.data() + o, y.data() + o, n, t); });
  return y;
}

Tensor gelu_backward(const Tensor& dy, const Tensor& x, GeluApprox approx) {
  Tensor dx = Tensor::empty(x.shape());
  const ActivationKernels& k = activation_kernels();
  const bool t = approx == GeluApprox::tanh;
  chunks(x.numel(), [&](int64_t o, int64_t n) { k.gelu_backward(dy.data() + o, x.data() + o, dx.data() + o, n, t); });
  return dx;
}

Tensor softmax(const Tensor& x) {
  const int64_t C = x.dim(-1), R = rows_of(x);
  Tensor y = Tensor::empty(x.shape());
  const ActivationKernels& k = activation_kernels();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < R; r++) k.softmax_row(x.data() + r * C, y.data() + r * C, C);
  return y;
}

Tensor softmax_backward(const Tensor& dy, const Tensor& y) {
  const int64_t C = y.dim(-1), R = rows_of(y);
  Tensor dx = Tensor::empty(y.shape());
  const ActivationKernels& k = activation_kernels();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < R; r++) k.softmax_backward_row(dy.data() + r * C, y.data() + r * C, dx.data() + r * C, C);
  return dx;
}

}  // namespace

void fill_activation(Backend& b) {
  b.relu = relu;
  b.relu_backward = relu_backward;
  b.gelu = gelu;
  b.gelu_backward = gelu_backward;
  b.softmax = softmax;
  b.softmax_backward = softmax_backward;
}

}  // namespace lk::cpu
