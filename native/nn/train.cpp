#include "train.h"

#include <cmath>

#include "core/backend.h"

namespace lk::nn {

double smoothed_cross_entropy(const Tensor& logits, const std::vector<int>& labels, float smoothing, Tensor* dlogits,
                              int* correct) {
  const int64_t N = logits.dim(0), K = logits.dim(1);
  if (static_cast<int64_t>(labels.size()) != N)
    throw ArgError("train: expected " + std::to_string(N) + " labels, received " + std::to_string(labels.size()));
  if (smoothing < 0 || smoothing >= 1) throw ArgError("train: label smoothing must be in [0, 1)");
  if (dlogits) *dlogits = Tensor::empty({N, K});
  double total = 0;
  int right = 0;
  std::vector<double> lp(static_cast<size_t>(K));
  for (int64_t n = 0; n < N; n++) {
    const int y = labels[n];
    if (y < 0 || y >= K)
      throw ArgError("train: label " + std::to_string(y) + " out of range 0.." + std::to_string(K - 1));
    const float* z = logits.data() + n * K;
    double mx = z[0];
    int64_t arg = 0;
    for (int64_t k = 1; k < K; k++)
      if (z[k] > mx) mx = z[k], arg = k;
    right += arg == y;
    double se = 0;
    for (int64_t k = 0; k < K; k++) se += std::exp(z[k] - mx);
    const double lse = mx + std::log(se);
    double mean_nll = 0;
    for (int64_t k = 0; k < K; k++) {
      lp[k] = z[k] - lse;
      mean_nll -= lp[k];
    }
    mean_nll /= K;
    total += (1.0 - smoothing) * -lp[y] + smoothing * mean_nll;
    if (dlogits)
      for (int64_t k = 0; k < K; k++) {
        const double target = (k == y ? 1.0 - smoothing : 0.0) + smoothing / K;
        dlogits->data()[n * K + k] = static_cast<float>((std::exp(lp[k]) - target) / N);
      }
  }
  if (correct) *correct = right;
  return total / N;
}

TrainStepResult forward_backward(Model& m, const Tensor& x, const TrainStepOptions& o) {
  if (!m.ready()) throw ArgError(m.family() + ": parameters are not loaded");
  if (!m.supports_training())
    throw NotImplemented(m.family() + ": training is not implemented for this family yet");
  if (x.ndim() != 4 || x.dim(3) != 3)
    throw ArgError(m.family() + ": expected input (N, H, W, 3) in [0, 1], received " + shape_str(x.shape()));
  if (o.drop_path_rate < 0 || o.drop_path_rate >= 1) throw ArgError("train: drop-path rate must be in [0, 1)");
  m.refresh_if_stale();  // derived state (ViT token table) from the weights the last step wrote
  Tape tape;
  ParamGrads grads;
  Context c;
  c.tape = &tape;
  c.grads = &grads;
  c.training = o.training;
  c.bn_momentum = o.bn_momentum;
  c.drop_seed = o.seed;
  if (o.drop_path_rate > 0) c.drop_path_rates = m.drop_path_rates(o.drop_path_rate);
  TrainStepResult r;
  Tensor logits = m.forward(c, x.to(m.device()));
  if (logits.ndim() != 2) throw ArgError(m.family() + ": training needs a classifier head (num_classes > 0)");
  r.logits = logits.to(cpu_device());
  Tensor dlogits;
  r.loss = smoothed_cross_entropy(r.logits, o.labels, o.label_smoothing, &dlogits, &r.correct);
  tape.backward(dlogits.to(m.device()));
  m.finish_param_grads(grads);
  for (const auto& [name, p] : m.params()) {
    auto it = grads.by_data.find(p.data());
    // Shaped as the parameter (a 1x1 conv weight may have been used as a linear map's (out, in)).
    if (it != grads.by_data.end() && !is_buffer(name)) r.grads[name] = it->second.reshape(p.shape());
  }
  return r;
}

TrainStepResult Trainer::accumulate(Model& m, const Tensor& x, const TrainStepOptions& o) {
  TrainStepResult r = forward_backward(m, x, o);
  for (const auto& [k, g] : r.grads) {
    auto it = acc_.find(k);
    if (it == acc_.end()) acc_.emplace(k, g);
    else it->second = lk::add(it->second, g);
  }
  pending_++;
  return r;
}

void Trainer::step(Model& m, double lr) {
  if (pending_ == 0) throw ArgError("train: optimizer step without gradients (run a training batch first)");
  opt_.step(m, acc_, lr, 1.0 / pending_);
  acc_.clear();
  pending_ = 0;
  if (ema_decay_ > 0) {
    const float d = static_cast<float>(ema_decay_);
    for (const auto& [k, p] : m.params()) {
      auto it = ema_.find(k);
      if (it == ema_.end()) {
        ema_[k] = p.to(cpu_device()).clone();
        continue;
      }
      Tensor h = p.to(cpu_device());
      float* e = it->second.data();
      const float* w = h.data();
      for (int64_t i = 0; i < h.numel(); i++) e[i] = d * e[i] + (1.f - d) * w[i];
    }
  }
}

void Trainer::enable_ema(double decay) {
  if (decay <= 0 || decay >= 1) throw ArgError("train: EMA decay must be in (0, 1)");
  ema_decay_ = decay;
}

}  // namespace lk::nn
