// A model graph built from a Config, holding its parameters under the checkpoint's key names. Input is NHWC
// float in [0,1] pixel space; mean/std normalisation is the model's first op (so attack budgets are in pixels).
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "config.h"
#include "context.h"

namespace lk::nn {

struct ParamSpec {
  std::string name;
  Shape shape;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string family() const = 0;

  const std::vector<ParamSpec>& param_specs() const { return specs_; }
  // Installs parameters: every spec must be present with its shape (ArgError names the offenders);
  // extra names are refused too. Then prepare() derives whatever the forward needs.
  void set_params(const std::map<std::string, Tensor>& params);
  const std::map<std::string, Tensor>& params() const { return params_; }
  bool ready() const { return ready_; }
  // The device the parameters live on (cpu by default). to_device checks that the device exists (a named
  // error otherwise), then moves the installed parameters there once; later set_params copies land there too.
  // run_model moves its input to this device and returns results on it.
  void to_device(Device d);
  Device device() const { return device_; }

  // x (N, H, W, 3) in [0, 1] -> logits (N, classes), or features when the model has no head; with
  // c.features_only, the last feature map (N, h, w, C) before global pooling (ViT: tokens (N, T, D) after norm).
  virtual Tensor forward(Context& c, const Tensor& x) = 0;
  // Residual blocks in forward order (Context::skip_blocks indexes them), named by checkpoint key prefix.
  virtual std::vector<std::string> block_names() const = 0;
  // Structural re-parameterisation (RepLKNet): replaces the parameter set by the fused one. Default: none.
  virtual bool reparameterize() { return false; }
  // Depthwise kernels as the model applies them, by checkpoint key prefix (kernel attention distance).
  virtual std::vector<std::pair<std::string, Tensor>> depthwise_kernels() const { return {}; }

  // Training (native/nn/train.h): whether forward in training mode yields gradients for every parameter.
  virtual bool supports_training() const { return true; }
  // Drop-path rate of each residual block for a deepest rate r: linear from 0 to r over blocks (timm).
  virtual std::vector<float> drop_path_rates(float r) const;
  // After a backward with parameter gradients: turn gradients of derived weights (keyed by their data) into
  // gradients of the parameters they come from (ResNetV2: through weight standardisation). Default: none.
  virtual void finish_param_grads(ParamGrads& g) const {}
  // The parameters were changed in place (an optimiser step): derived state is rebuilt before the next pass
  // that reads it.
  void params_updated() { stale_ = true; }
  void refresh_if_stale() {
    if (stale_) {
      prepare();
      stale_ = false;
    }
  }

  std::vector<float> mean{0.485f, 0.456f, 0.406f}, std{0.229f, 0.224f, 0.225f};

 protected:
  void add_param(const std::string& name, const Shape& shape) { specs_.push_back({name, shape}); }
  Tensor p(const std::string& name) const;  // a parameter, or throws naming it
  Tensor maybe(const std::string& name) const;  // a parameter, or undefined when the model has none
  virtual void prepare() {}
  std::vector<ParamSpec> specs_;
  std::map<std::string, Tensor> params_;
  bool ready_ = false;
  bool stale_ = false;
  Device device_;
};

// Builds a model of a family ("convnext", "vit", "resnet", "resnetv2", "replknet", "alexnet").
std::unique_ptr<Model> create_model(const std::string& family, const Config& cfg);
std::vector<std::string> model_families();

struct RunOptions {
  std::set<int> skip_blocks;
  bool record_blocks = false;
  bool record_attention = false;
  bool features_only = false;
};

struct RunResult {
  Tensor logits;
  Tensor input_grad;                 // when asked
  std::vector<BlockRecord> records;
  Tensor attention;
};

// What the input gradient is of: the summed cross-entropy for labels, or <logits, dlogits> for a given dlogits,
// or (loss "dlr" / "dlr-targeted", margin_loss.h) the summed DLR loss for labels (and targets).
struct GradRequest {
  std::vector<int> labels;
  std::vector<int> targets;
  std::string loss = "ce";
  Tensor dlogits;
};

RunResult run_model(Model& m, const Tensor& x, const RunOptions& opts, const GradRequest* grad = nullptr);

}  // namespace lk::nn
