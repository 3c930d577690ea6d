#include "model.h"

#include "core/backend.h"
#include "families.h"
#include "margin_loss.h"

namespace lk::nn {

int Config::i(const std::string& k, int def) const {
  auto it = nums.find(k);
  return it == nums.end() || it->second.empty() ? def : static_cast<int>(it->second[0]);
}
float Config::f(const std::string& k, float def) const {
  auto it = nums.find(k);
  return it == nums.end() || it->second.empty() ? def : static_cast<float>(it->second[0]);
}
std::vector<int> Config::ints(const std::string& k, std::vector<int> def) const {
  auto it = nums.find(k);
  if (it == nums.end()) return def;
  return std::vector<int>(it->second.begin(), it->second.end());
}
std::vector<float> Config::floats(const std::string& k, std::vector<float> def) const {
  auto it = nums.find(k);
  if (it == nums.end()) return def;
  return std::vector<float>(it->second.begin(), it->second.end());
}
std::string Config::s(const std::string& k, const std::string& def) const {
  auto it = strs.find(k);
  return it == strs.end() ? def : it->second;
}

void Model::set_params(const std::map<std::string, Tensor>& params) {
  std::string missing, shaped, extra;
  std::set<std::string> known;
  for (const ParamSpec& s : specs_) {
    known.insert(s.name);
    auto it = params.find(s.name);
    if (it == params.end()) {
      missing += (missing.empty() ? "" : ", ") + s.name;
    } else if (it->second.shape() != s.shape) {
      shaped += (shaped.empty() ? "" : ", ") + s.name + " expected " + shape_str(s.shape) + " received " +
                shape_str(it->second.shape());
    }
  }
  for (const auto& [k, v] : params)
    if (!known.count(k)) extra += (extra.empty() ? "" : ", ") + k;
  if (!missing.empty() || !shaped.empty() || !extra.empty()) {
    std::string msg = family() + " parameters do not fit:";
    if (!missing.empty()) msg += " missing " + missing + ";";
    if (!shaped.empty()) msg += " mis-shaped " + shaped + ";";
    if (!extra.empty()) msg += " unexpected " + extra + ";";
    throw ArgError(msg);
  }
  params_.clear();
  for (const auto& [k, v] : params) params_[k] = v.to(device_);
  prepare();
  ready_ = true;
  stale_ = false;
}

void Model::to_device(Device d) {
  backend_for(d);  // throws, naming the device, when it was not built or is not present
  if (d == device_) return;
  device_ = d;
  if (ready_) set_params(std::map<std::string, Tensor>(params_));
}

Tensor Model::p(const std::string& name) const {
  auto it = params_.find(name);
  if (it == params_.end()) throw ArgError(family() + ": parameter " + name + " is not loaded");
  return it->second;
}

Tensor Model::maybe(const std::string& name) const {
  auto it = params_.find(name);
  return it == params_.end() ? Tensor() : it->second;
}

std::vector<float> Model::drop_path_rates(float r) const {
  const size_t n = block_names().size();
  std::vector<float> rates(n, 0.f);
  for (size_t i = 0; i < n && n > 1; i++) rates[i] = static_cast<float>(r * static_cast<double>(i) / (n - 1));
  return rates;
}

RunResult run_model(Model& m, const Tensor& x, const RunOptions& opts, const GradRequest* grad) {
  if (!m.ready()) throw ArgError(m.family() + ": parameters are not loaded");
  m.refresh_if_stale();
  if (x.ndim() != 4 || x.dim(3) != 3)
    throw ArgError(m.family() + ": expected input (N, H, W, 3) in [0, 1], received " + shape_str(x.shape()));
  int nb = static_cast<int>(m.block_names().size());
  for (int b : opts.skip_blocks)
    if (b < 0 || b >= nb)
      throw ArgError(m.family() + ": skip block " + std::to_string(b) + " out of range: the model has " +
                     std::to_string(nb) + " residual blocks");
  Tape tape;
  Context c;
  c.tape = grad ? &tape : nullptr;
  c.skip_blocks = opts.skip_blocks;
  c.record_blocks = opts.record_blocks;
  c.record_attention = opts.record_attention;
  c.features_only = opts.features_only;
  RunResult r;
  r.logits = m.forward(c, x.to(m.device()));
  r.records = std::move(c.records);
  r.attention = c.attention;
  if (grad) {
    Tensor dlogits;
    if (grad->dlogits.defined()) {
      if (grad->dlogits.shape() != r.logits.shape())
        throw ArgError("input gradient: expected dlogits of shape " + shape_str(r.logits.shape()) + ", received " +
                       shape_str(grad->dlogits.shape()));
      dlogits = grad->dlogits.to(m.device());
    } else if (grad->loss == "dlr" || grad->loss == "dlr-targeted") {
      dlogits = margin_loss_backward(grad->loss == "dlr" ? MarginLoss::DLR : MarginLoss::DLR_TARGETED, r.logits,
                                     grad->labels, grad->targets);
    } else if (grad->loss == "ce") {
      Tensor ones = Tensor::empty({r.logits.dim(0)}, r.logits.device());
      ones.fill(1.f);
      dlogits = cross_entropy_backward(ones, r.logits, grad->labels);
    } else {
      throw ArgError("input gradient: unknown loss \"" + grad->loss + "\" (known: ce, dlr, dlr-targeted)");
    }
    r.input_grad = tape.backward(dlogits);
  }
  return r;
}

static std::unique_ptr<Model> build(const std::string& family, const Config& cfg) {
  if (family == "convnext") return make_convnext(cfg);
  if (family == "vit") return make_vit(cfg);
  if (family == "resnet") return make_resnet(cfg);
  if (family == "resnetv2") return make_resnetv2(cfg);
  if (family == "alexnet") return make_alexnet(cfg);
  if (family == "replknet") return make_replknet(cfg);
  std::string all;
  for (const auto& f : model_families()) all += (all.empty() ? "" : ", ") + f;
  throw ArgError("unknown model family \"" + family + "\" (known: " + all + ")");
}

std::unique_ptr<Model> create_model(const std::string& family, const Config& cfg) {
  std::unique_ptr<Model> m = build(family, cfg);
  // Preprocessing facts come from the registry's pretrained config (REFERENCE.md §1), not the graph.
  if (cfg.nums.count("mean")) m->mean = cfg.floats("mean");
  if (cfg.nums.count("std")) m->std = cfg.floats("std");
  if (m->mean.size() != 3 || m->std.size() != 3) throw ArgError(family + ": expected 3-element mean and std");
  return m;
}

std::vector<std::string> model_families() { return {"alexnet", "convnext", "replknet", "resnet", "resnetv2", "vit"}; }

}  // namespace lk::nn
