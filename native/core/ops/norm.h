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
