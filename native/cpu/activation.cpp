// ReLU, GELU (exact erf and tanh forms) and softmax over the last dim, with their backwards.
#include <algorithm>
#include <cmath>

#include "cpu_backend.h"

namespace lk::cpu {
namespace {

constexpr double kSqrt2Pi = 0.7978845608028654;  // sqrt(2/pi)
constexpr double kInvSqrt2 = 0.7071067811865476;
constexpr double kInvSqrt2Pi = 0.3989422804014327;  // 1/sqrt(2 pi)

Tensor relu(const Tensor& x) {
  Tensor y = Tensor::empty(x.shape());
  const int64_t n = x.numel();
#pragma omp parallel for simd
  for (int64_t i = 0; i < n; i++) y.data()[i] = x.data()[i] > 0.f ? x.data()[i] : 0.f;
  return y;
}

Tensor relu_backward(const Tensor& dy, const Tensor& x) {
  Tensor dx = Tensor::empty(x.shape());
  const int64_t n = x.numel();
#pragma omp parallel for simd
  for (int64_t i = 0; i < n; i++) dx.data()[i] = x.data()[i] > 0.f ? dy.data()[i] : 0.f;
  return dx;
}

Tensor gelu(const Tensor& x, GeluApprox approx) {
  Tensor y = Tensor::empty(x.shape());
  const int64_t n = x.numel();
  const float* a = x.data();
  float* o = y.data();
  if (approx == GeluApprox::tanh) {
#pragma omp parallel for
    for (int64_t i = 0; i < n; i++) {
      double v = a[i];
      o[i] = static_cast<float>(0.5 * v * (1.0 + std::tanh(kSqrt2Pi * (v + 0.044715 * v * v * v))));
    }
  } else {
#pragma omp parallel for
    for (int64_t i = 0; i < n; i++) {
      float v = a[i];
      o[i] = 0.5f * v * (1.f + std::erf(v * static_cast<float>(kInvSqrt2)));
    }
  }
  return y;
}

Tensor gelu_backward(const Tensor& dy, const Tensor& x, GeluApprox approx) {
  Tensor dx = Tensor::empty(x.shape());
  const int64_t n = x.numel();
  const float* a = x.data();
  const float* d = dy.data();
  float* o = dx.data();
  if (approx == GeluApprox::tanh) {
#pragma omp parallel for
    for (int64_t i = 0; i < n; i++) {
      double v = a[i];
      double u = kSqrt2Pi * (v + 0.044715 * v * v * v);
      double t = std::tanh(u);
      double du = kSqrt2Pi * (1.0 + 3 * 0.044715 * v * v);
      o[i] = static_cast<float>(d[i] * (0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * du));
    }
  } else {
#pragma omp parallel for
    for (int64_t i = 0; i < n; i++) {
      double v = a[i];
      double cdf = 0.5 * (1.0 + std::erf(v * kInvSqrt2));
      double pdf = kInvSqrt2Pi * std::exp(-0.5 * v * v);
      o[i] = static_cast<float>(d[i] * (cdf + v * pdf));
    }
  }
  return dx;
}

Tensor softmax(const Tensor& x) {
  const int64_t C = x.dim(-1), R = x.numel() / std::max<int64_t>(C, 1);
  Tensor y = Tensor::empty(x.shape());
#pragma omp parallel for
  for (int64_t r = 0; r < R; r++) {
    const float* a = x.data() + r * C;
    float* o = y.data() + r * C;
    float m = a[0];
    for (int64_t c = 1; c < C; c++) m = std::max(m, a[c]);
    double s = 0;
    for (int64_t c = 0; c < C; c++) s += std::exp(static_cast<double>(a[c] - m));
    for (int64_t c = 0; c < C; c++) o[c] = static_cast<float>(std::exp(static_cast<double>(a[c] - m)) / s);
  }
  return y;
}

Tensor softmax_backward(const Tensor& dy, const Tensor& y) {
  const int64_t C = y.dim(-1), R = y.numel() / std::max<int64_t>(C, 1);
  Tensor dx = Tensor::empty(y.shape());
#pragma omp parallel for
  for (int64_t r = 0; r < R; r++) {
    const float* p = y.data() + r * C;
    const float* d = dy.data() + r * C;
    double dot = 0;
    for (int64_t c = 0; c < C; c++) dot += static_cast<double>(d[c]) * p[c];
    for (int64_t c = 0; c < C; c++) dx.data()[r * C + c] = static_cast<float>(p[c] * (d[c] - dot));
  }
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
