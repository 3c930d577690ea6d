// ResNetV2 / BiT (REFERENCE.md §1.5), timm keys: pre-activation bottlenecks, GroupNorm(32), weight-standardised
// convs. Config: layers[4] (bottleneck counts), width_factor, num_classes. Every conv is StdConv2d (eps 1e-8);
// its weights are fixed, so prepare() standardises them once and the forward runs plain convs (the input
// gradient needs no weight_standardize backward). Lesion: a skipped bottleneck keeps its shortcut (identity,
// or the downsample conv of the pre-activated input).
#include "families.h"
#include "layers.h"

namespace lk::nn {
namespace {

constexpr float kStdConvEps = 1e-8f;
constexpr float kGroupNormEps = 1e-5f;
constexpr int kGroups = 32;

class ResNetV2 : public Model {
 public:
  explicit ResNetV2(const Config& cfg) {
    layers_ = cfg.ints("layers", {3, 4, 6, 3});
    if (layers_.size() != 4) throw ArgError("resnetv2: expected 4 layer counts");
    const int wf = cfg.i("width_factor", 1);
    if (wf < 1) throw ArgError("resnetv2: width_factor must be at least 1, received " + std::to_string(wf));
    classes_ = cfg.i("num_classes", 1000);
    const int64_t stem = 64 * wf;
    add_conv("stem.conv", {stem, 3, 7, 7});
    int64_t in = stem;
    for (int s = 0; s < 4; s++) {
      const int64_t mid = (64 << s) * wf, out = mid * 4;
      for (int b = 0; b < layers_[s]; b++) {
        const std::string pre = "stages." + std::to_string(s) + ".blocks." + std::to_string(b);
        if (b == 0) add_conv(pre + ".downsample.conv", {out, in, 1, 1});
        add_gn(pre + ".norm1", in);
        add_conv(pre + ".conv1", {mid, in, 1, 1});
        add_gn(pre + ".norm2", mid);
        add_conv(pre + ".conv2", {mid, mid, 3, 3});
        add_gn(pre + ".norm3", mid);
        add_conv(pre + ".conv3", {out, mid, 1, 1});
        blocks_.push_back(pre);
        in = out;
      }
    }
    channels_ = in;
    add_gn("norm", in);
    if (classes_ > 0) {
      add_param("head.fc.weight", {classes_, in, 1, 1});  // a 1x1 conv after pooling = a linear layer
      add_param("head.fc.bias", {classes_});
    }
  }

  std::string family() const override { return "resnetv2"; }
  // The forward convolves standardised weights; their gradients go back through the standardisation.
  void finish_param_grads(ParamGrads& g) const override {
    for (const auto& [n, ws] : standardized_) {
      auto it = g.by_data.find(ws.data());
      if (it == g.by_data.end()) continue;
      Tensor dw = lk::weight_standardize_backward(it->second, p(n + ".weight"), kStdConvEps);
      g.by_data.erase(it);
      g.add(p(n + ".weight"), dw);
    }
  }
  std::vector<std::string> block_names() const override { return blocks_; }

  Tensor forward(Context& c, const Tensor& x0) override {
    Tensor x = pixel_normalize(c, x0, mean, std);
    x = conv(c, x, w("stem.conv"), Tensor(), 2, 3);
    // ConstantPad2d(1, 0) then an unpadded max-pool: zero, not -inf, borders (stem outputs can be negative).
    Pad2dArgs zero;
    zero.pad_t = zero.pad_b = zero.pad_l = zero.pad_r = 1;
    Pool2dArgs mp;
    mp.kernel_h = mp.kernel_w = 3;
    mp.stride_h = mp.stride_w = 2;
    x = max_pool(c, pad(c, x, zero), mp);
    record(c, "stem", x);
    size_t bi = 0;
    for (int s = 0; s < 4; s++)
      for (int b = 0; b < layers_[s]; b++, bi++) x = bottleneck(c, x, blocks_[bi], (s > 0 && b == 0) ? 2 : 1, b == 0);
    x = gn_relu(c, x, "norm");
    if (c.features_only) return x;
    x = global_avg_pool(c, x);
    if (classes_ == 0) return x;
    return linear(c, x, head_, p("head.fc.bias"));
  }

 protected:
  void prepare() override {
    standardized_.clear();
    // Derived tensors are replaced, never written, when the parameters change: frozen (reordered once).
    for (const std::string& n : conv_names_)
      standardized_[n] = lk::weight_standardize(p(n + ".weight"), kStdConvEps).freeze();
    if (classes_ > 0) head_ = p("head.fc.weight").reshape({classes_, channels_});
  }

 private:
  void add_conv(const std::string& n, const Shape& shape) {
    add_param(n + ".weight", shape);
    conv_names_.push_back(n);
  }
  void add_gn(const std::string& n, int64_t ch) {
    add_param(n + ".weight", {ch});
    add_param(n + ".bias", {ch});
  }
  Tensor w(const std::string& n) const {
    auto it = standardized_.find(n);
    if (it == standardized_.end()) throw ArgError("resnetv2: no standardised weight for " + n);
    return it->second;
  }
  Tensor gn_relu(Context& c, const Tensor& x, const std::string& n) {
    return relu(c, group_norm(c, x, kGroups, p(n + ".weight"), p(n + ".bias"), kGroupNormEps));
  }

  // Pre-activation bottleneck: xp = relu(gn1 x); out = conv3(relu(gn3 conv2(relu(gn2 conv1 xp)))) + shortcut,
  // shortcut = downsample(xp) for a stage's first block, else x. No activation after the add.
  Tensor bottleneck(Context& c, const Tensor& x, const std::string& pre, int stride, bool down) {
    auto branch = [this, pre, stride](Context& c, const Tensor& xp) {
      Tensor y = gn_relu(c, conv(c, xp, w(pre + ".conv1"), Tensor(), 1, 0), pre + ".norm2");
      y = gn_relu(c, conv(c, y, w(pre + ".conv2"), Tensor(), stride, 1), pre + ".norm3");
      return conv(c, y, w(pre + ".conv3"), Tensor(), 1, 0);
    };
    if (down) {
      // gn1 is shared by the shortcut and the branch, so it runs once, before the block's fork.
      auto shortcut = [this, pre, stride](Context& c, const Tensor& xp) {
        return conv(c, xp, w(pre + ".downsample.conv"), Tensor(), stride, 0);
      };
      return residual(c, pre, gn_relu(c, x, pre + ".norm1"), shortcut, branch);
    }
    return residual(c, pre, x, [this, pre, branch](Context& c, const Tensor& z) {
      return branch(c, gn_relu(c, z, pre + ".norm1"));
    });
  }

  std::vector<int> layers_;
  int classes_;
  int64_t channels_ = 0;
  std::vector<std::string> blocks_, conv_names_;
  std::map<std::string, Tensor> standardized_;
  Tensor head_;
};

}  // namespace

std::unique_ptr<Model> make_resnetv2(const Config& cfg) { return std::make_unique<ResNetV2>(cfg); }

}  // namespace lk::nn
