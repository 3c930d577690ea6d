// Normalisation family, all over NHWC / token layouts (channels last).
#pragma once
#include "../tensor.h"

namespace lk {

struct NormGrads {
  Tensor dgamma, dbeta;  // (C)
};

// Inference batch-norm: y = (x - mean) / sqrt(var + eps) * gamma + beta over the last dim C.
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& mean, const Tensor& var,
                  float eps);
Tensor batch_norm_backward_input(const Tensor& dy, const Tensor& gamma, const Tensor& var, float eps);
NormGrads batch_norm_backward_params(const Tensor& dy, const Tensor& x, const Tensor& mean, const Tensor& var,
                                     float eps);

// Training-mode batch-norm: statistics of this batch over every dim but the last (N, H, W of NHWC).
// mean and the biased variance (what normalises) come back so the caller can update running statistics
// (PyTorch's running_var uses the unbiased one: var * M / (M - 1), M = rows).
struct BatchNormTrainOut {
  Tensor y, mean, var;  // y like x; mean, var (C)
};
BatchNormTrainOut batch_norm_train(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps);
// Backward through the batch statistics: dx = gamma * rstd * (dy - mean(dy) - xhat * mean(dy * xhat)).
struct BatchNormTrainGrads {
  Tensor dx, dgamma, dbeta;
};
BatchNormTrainGrads batch_norm_train_backward(const Tensor& dy, const Tensor& x, const Tensor& gamma,
                                              const Tensor& mean, const Tensor& var, float eps);

// Layer-norm over the last dim (channels of NHWC, or features of tokens), biased variance.
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps);
Tensor layer_norm_backward_input(const Tensor& dy, const Tensor& x, const Tensor& gamma, float eps);
NormGrads layer_norm_backward_params(const Tensor& dy, const Tensor& x, float eps);

// Group-norm: x (N, H, W, C), C divisible by groups; statistics per (n, group) over H, W and C/groups.
Tensor group_norm(const Tensor& x, int groups, const Tensor& gamma, const Tensor& beta, float eps);
Tensor group_norm_backward_input(const Tensor& dy, const Tensor& x, int groups, const Tensor& gamma, float eps);
NormGrads group_norm_backward_params(const Tensor& dy, const Tensor& x, int groups, float eps);

// Pixel normalisation, the first op of every model: y = (x - mean[c]) / std[c] over the last dim.
Tensor pixel_normalize(const Tensor& x, const std::vector<float>& mean, const std::vector<float>& std);
Tensor pixel_normalize_backward(const Tensor& dy, const std::vector<float>& std);

}  // namespace lk
