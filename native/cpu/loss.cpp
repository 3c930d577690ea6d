// Cross-entropy on logits (N, K): per-sample loss logsumexp(x) - x[label] (stable), and its gradient.
#include <algorithm>
#include <cmath>

#include "cpu_backend.h"

namespace lk::cpu {
namespace {

double logsumexp(const float* x, int64_t K, float& max_out) {
  float m = x[0];
  for (int64_t k = 1; k < K; k++) m = std::max(m, x[k]);
  double s = 0;
  for (int64_t k = 0; k < K; k++) s += std::exp(static_cast<double>(x[k] - m));
  max_out = m;
  return m + std::log(s);
}

Tensor cross_entropy(const Tensor& logits, const std::vector<int>& labels) {
  const int64_t N = logits.dim(0), K = logits.dim(1);
  Tensor loss = Tensor::empty({N});
#pragma omp parallel for
  for (int64_t n = 0; n < N; n++) {
    float m;
    double lse = logsumexp(logits.data() + n * K, K, m);
    loss.data()[n] = static_cast<float>(lse - logits.data()[n * K + labels[n]]);
  }
  return loss;
}

Tensor cross_entropy_backward(const Tensor& dloss, const Tensor& logits, const std::vector<int>& labels) {
  const int64_t N = logits.dim(0), K = logits.dim(1);
  Tensor d = Tensor::empty(logits.shape());
#pragma omp parallel for
  for (int64_t n = 0; n < N; n++) {
    const float* x = logits.data() + n * K;
    float m;
    double lse = logsumexp(x, K, m);
    const double g = dloss.data()[n];
    for (int64_t k = 0; k < K; k++) d.data()[n * K + k] = static_cast<float>((std::exp(x[k] - lse) - (k == labels[n])) * g);
  }
  return d;
}

}  // namespace

void fill_loss(Backend& b) {
  b.cross_entropy = cross_entropy;
  b.cross_entropy_backward = cross_entropy_backward;
}

}  // namespace lk::cpu
