// Cross-entropy on logits (N, K) and integer labels: loss[n] = logsumexp(x[n]) - x[n, label[n]].
#pragma once
#include "../tensor.h"

namespace lk {

Tensor cross_entropy(const Tensor& logits, const std::vector<int>& labels);  // (N) per-sample losses
// dlogits[n] = (softmax(x[n]) - onehot(label[n])) * dloss[n]; dloss (N).
Tensor cross_entropy_backward(const Tensor& dloss, const Tensor& logits, const std::vector<int>& labels);

}  // namespace lk
