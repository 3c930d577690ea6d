// Training on a model graph: one forward in training mode (batch statistics, drop-path), the mean
// label-smoothed cross-entropy, and one backward that fills every parameter's gradient, by checkpoint key.
// A Trainer accumulates gradients over micro-batches and applies a fused optimiser step; it can keep an
// exponential moving average of the weights. The graph is the inference graph: no training copy.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model.h"
#include "optim.h"

namespace lk::nn {

struct TrainStepOptions {
  std::vector<int> labels;
  float label_smoothing = 0;
  float bn_momentum = 0.1f;
  float drop_path_rate = 0;  // the deepest block's rate; shallower blocks get linearly less (timm's rule)
  uint64_t seed = 0;         // drop-path coins
  bool training = true;      // false: the same gradients with running statistics (a frozen-BN step)
};

struct TrainStepResult {
  Tensor logits;  // host
  double loss = 0;
  int correct = 0;
  std::map<std::string, Tensor> grads;  // every trainable parameter, by key
};

// Mean over the batch of (1 - s) * -log p[y] + s * mean_k(-log p[k]) (torch.nn.CrossEntropyLoss with
// label_smoothing s); dlogits (when asked) is its gradient. logits on the host.
double smoothed_cross_entropy(const Tensor& logits, const std::vector<int>& labels, float smoothing, Tensor* dlogits,
                              int* correct);

TrainStepResult forward_backward(Model& m, const Tensor& x, const TrainStepOptions& o);

class Trainer {
 public:
  explicit Trainer(const OptimizerConfig& cfg) : opt_(cfg) {}
  // forward_backward, its gradients added to the accumulated ones.
  TrainStepResult accumulate(Model& m, const Tensor& x, const TrainStepOptions& o);
  // The optimiser step on the mean of the accumulated gradients, which are then cleared; the EMA follows.
  void step(Model& m, double lr);
  int pending() const { return pending_; }
  Optimizer& optimizer() { return opt_; }
  // EMA of every parameter and buffer: ema = decay * ema + (1 - decay) * w after each step (timm ModelEmaV2).
  void enable_ema(double decay);
  const std::map<std::string, Tensor>& ema() const { return ema_; }
  void set_ema(const std::map<std::string, Tensor>& e) { ema_ = e; }
  double ema_decay() const { return ema_decay_; }

 private:
  Optimizer opt_;
  std::map<std::string, Tensor> acc_;
  int pending_ = 0;
  double ema_decay_ = 0;
  std::map<std::string, Tensor> ema_;
};

}  // namespace lk::nn
