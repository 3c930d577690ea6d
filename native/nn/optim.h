// Fused optimiser steps over a model's parameters (CPU): SGD with momentum / Nesterov and AdamW, with PyTorch's
// update rules (torch.optim.SGD, torch.optim.AdamW, single-tensor path) so a run can be checked step by step.
// Weight decay skips norms, biases and ViT's token tables as timm's param_groups_weight_decay does; running
// statistics are buffers and never optimised.
#pragma once
#include <map>
#include <string>

#include "model.h"

namespace lk::nn {

struct OptimizerConfig {
  enum class Kind { sgd, adamw } kind = Kind::sgd;
  double momentum = 0, dampening = 0;
  bool nesterov = false;
  double weight_decay = 0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

// Running statistics and counters: state, not parameters.
bool is_buffer(const std::string& name);
// timm: no decay for 1-d parameters (norm scales, biases, layer scale), names ending .bias, and ViT's
// pos_embed / cls_token.
bool decays(const std::string& name, const Shape& shape);

class Optimizer {
 public:
  explicit Optimizer(const OptimizerConfig& cfg);
  // params[name] -= update(grads[name] * grad_scale) for every trainable parameter that has a gradient.
  void step(Model& m, const std::map<std::string, Tensor>& grads, double lr, double grad_scale = 1.0);
  long steps() const { return steps_; }
  const OptimizerConfig& config() const { return cfg_; }
  // Per-parameter state for checkpoints: "<name>#momentum", "<name>#exp_avg", "<name>#exp_avg_sq" and "#step".
  std::map<std::string, Tensor> state() const;
  void load_state(const std::map<std::string, Tensor>& s);

 private:
  OptimizerConfig cfg_;
  long steps_ = 0;
  std::map<std::string, Tensor> buf_, exp_avg_, exp_avg_sq_;
};

}  // namespace lk::nn
