#include "optim.h"

#include <cmath>

namespace lk::nn {

static bool ends_with(const std::string& s, const std::string& t) {
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

bool is_buffer(const std::string& name) {
  return ends_with(name, ".running_mean") || ends_with(name, ".running_var") || ends_with(name, ".num_batches_tracked");
}

bool decays(const std::string& name, const Shape& shape) {
  if (shape.size() <= 1 || ends_with(name, ".bias")) return false;
  return name != "pos_embed" && name != "cls_token";
}

Optimizer::Optimizer(const OptimizerConfig& cfg) : cfg_(cfg) {
  if (cfg.momentum < 0 || cfg.weight_decay < 0 || cfg.eps <= 0 || cfg.beta1 < 0 || cfg.beta1 >= 1 || cfg.beta2 < 0 ||
      cfg.beta2 >= 1)
    throw ArgError("optimizer: expected momentum >= 0, weight decay >= 0, eps > 0 and betas in [0, 1)");
  if (cfg.nesterov && (cfg.momentum <= 0 || cfg.dampening != 0))
    throw ArgError("optimizer: Nesterov momentum needs momentum > 0 and zero dampening (as torch.optim.SGD)");
}

static Tensor state_like(std::map<std::string, Tensor>& m, const std::string& name, const Tensor& p, bool* fresh) {
  auto it = m.find(name);
  *fresh = it == m.end();
  if (*fresh) it = m.emplace(name, Tensor::zeros(p.shape())).first;
  return it->second;
}

void Optimizer::step(Model& m, const std::map<std::string, Tensor>& grads, double lr, double grad_scale) {
  steps_++;
  for (const auto& [name, p] : m.params()) {
    if (is_buffer(name)) continue;
    auto git = grads.find(name);
    if (git == grads.end()) continue;
    if (!p.device().is_cpu()) throw NotImplemented("optimizer step is implemented on cpu only, received " + p.device().str());
    Tensor g = git->second.to(cpu_device());
    if (g.numel() != p.numel()) throw ArgError("optimizer: gradient of " + name + " has the wrong size");
    const int64_t n = p.numel();
    float* w = p.data();
    const float* gr = g.data();
    const float gs = static_cast<float>(grad_scale);
    const float wd = decays(name, p.shape()) ? static_cast<float>(cfg_.weight_decay) : 0.f;
    const float flr = static_cast<float>(lr);
    if (cfg_.kind == OptimizerConfig::Kind::sgd) {
      const float mom = static_cast<float>(cfg_.momentum), damp = static_cast<float>(1.0 - cfg_.dampening);
      bool fresh = false;
      float* b = mom > 0 ? state_like(buf_, name, p, &fresh).data() : nullptr;
      const bool nest = cfg_.nesterov;
#pragma omp parallel for simd schedule(static)
      for (int64_t i = 0; i < n; i++) {
        float d = gr[i] * gs + wd * w[i];
        if (b) {
          b[i] = fresh ? d : mom * b[i] + damp * d;
          d = nest ? d + mom * b[i] : b[i];
        }
        w[i] -= flr * d;
      }
    } else {
      bool fresh = false;
      float* ma = state_like(exp_avg_, name, p, &fresh).data();
      float* va = state_like(exp_avg_sq_, name, p, &fresh).data();
      const float b1 = static_cast<float>(cfg_.beta1), b2 = static_cast<float>(cfg_.beta2);
      const double bc1 = 1.0 - std::pow(cfg_.beta1, static_cast<double>(steps_));
      const double bc2 = 1.0 - std::pow(cfg_.beta2, static_cast<double>(steps_));
      const float step_size = static_cast<float>(lr / bc1), bc2s = static_cast<float>(std::sqrt(bc2));
      const float decay = static_cast<float>(1.0 - lr * wd), eps = static_cast<float>(cfg_.eps);
#pragma omp parallel for simd schedule(static)
      for (int64_t i = 0; i < n; i++) {
        const float d = gr[i] * gs;
        w[i] *= decay;
        ma[i] += (1.f - b1) * (d - ma[i]);
        va[i] = va[i] * b2 + (1.f - b2) * d * d;
        w[i] -= step_size * (ma[i] / (std::sqrt(va[i]) / bc2s + eps));
      }
    }
  }
  m.params_updated();
}

std::map<std::string, Tensor> Optimizer::state() const {
  std::map<std::string, Tensor> s;
  for (const auto& [k, v] : buf_) s[k + "#momentum"] = v.clone();
  for (const auto& [k, v] : exp_avg_) s[k + "#exp_avg"] = v.clone();
  for (const auto& [k, v] : exp_avg_sq_) s[k + "#exp_avg_sq"] = v.clone();
  // The step count as a float tensor (exact below 2^24 steps).
  s["#step"] = Tensor::from_vector({static_cast<float>(steps_)}, {1});
  return s;
}

void Optimizer::load_state(const std::map<std::string, Tensor>& s) {
  buf_.clear();
  exp_avg_.clear();
  exp_avg_sq_.clear();
  steps_ = 0;
  for (const auto& [k, v] : s) {
    const size_t hash = k.rfind('#');
    if (hash == std::string::npos) throw ArgError("optimizer state: unexpected key " + k);
    const std::string name = k.substr(0, hash), what = k.substr(hash + 1);
    Tensor t = v.to(cpu_device()).clone();
    if (what == "step" && name.empty()) steps_ = static_cast<long>(t.data()[0]);
    else if (what == "momentum") buf_[name] = t;
    else if (what == "exp_avg") exp_avg_[name] = t;
    else if (what == "exp_avg_sq") exp_avg_sq_[name] = t;
    else throw ArgError("optimizer state: unexpected key " + k);
  }
}

}  // namespace lk::nn
