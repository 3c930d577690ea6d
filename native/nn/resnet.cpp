// ResNet v1.5 (REFERENCE.md §1.4), torchvision/timm keys. Config: layers[4] (Bottleneck counts),
// num_classes. Lesion: a skipped bottleneck keeps its shortcut (identity, or its downsample), then the ReLU.
// Speed: outside training, every BN runs folded into the conv before it (prepare(); exact algebra, float
// rounding aside), which saves a pass over each activation forward and backward; training (batch statistics,
// parameter gradients) runs conv and BN as they are.
#include <cmath>
#include "families.h"
#include "layers.h"

namespace lk::nn {
namespace {

class ResNet : public Model {
 public:
  explicit ResNet(const Config& cfg) {
    layers_ = cfg.ints("layers", {3, 4, 6, 3});
    if (layers_.size() != 4) throw ArgError("resnet: expected 4 layer counts");
    classes_ = cfg.i("num_classes", 1000);
    add_param("conv1.weight", {64, 3, 7, 7});
    add_bn("bn1", 64);
    int64_t in = 64;
    for (int l = 0; l < 4; l++) {
      const int64_t mid = 64 << l, out = mid * 4;
      for (int b = 0; b < layers_[l]; b++) {
        const std::string p = "layer" + std::to_string(l + 1) + "." + std::to_string(b);
        add_param(p + ".conv1.weight", {mid, in, 1, 1});
        add_bn(p + ".bn1", mid);
        add_param(p + ".conv2.weight", {mid, mid, 3, 3});
        add_bn(p + ".bn2", mid);
        add_param(p + ".conv3.weight", {out, mid, 1, 1});
        add_bn(p + ".bn3", out);
        if (b == 0) {
          add_param(p + ".downsample.0.weight", {out, in, 1, 1});
          add_bn(p + ".downsample.1", out);
        }
        blocks_.push_back(p);
        in = out;
      }
    }
    if (classes_ > 0) {
      add_param("fc.weight", {classes_, in});
      add_param("fc.bias", {classes_});
    }
  }

  std::string family() const override { return "resnet"; }
  std::vector<std::string> block_names() const override { return blocks_; }

  Tensor forward(Context& c, const Tensor& x0) override {
    Tensor x = pixel_normalize(c, x0, mean, std);
    x = relu(c, conv_bn(c, x, "conv1", "bn1", 2, 3));
    Pool2dArgs mp;
    mp.kernel_h = mp.kernel_w = 3;
    mp.stride_h = mp.stride_w = 2;
    mp.pad_t = mp.pad_b = mp.pad_l = mp.pad_r = 1;
    x = max_pool(c, x, mp);
    record(c, "stem", x);
    size_t bi = 0;
    for (int l = 0; l < 4; l++)
      for (int b = 0; b < layers_[l]; b++, bi++) x = bottleneck(c, x, blocks_[bi], (l > 0 && b == 0) ? 2 : 1, b == 0);
    if (c.features_only) return x;
    x = global_avg_pool(c, x);
    if (classes_ == 0) return x;
    return linear(c, x, p("fc.weight"), p("fc.bias"));
  }

 protected:
  void prepare() override {
    folded_.clear();
    fold("conv1", "bn1");
    for (size_t i = 0, l = 0; l < 4; l++)
      for (int b = 0; b < layers_[l]; b++, i++) {
        const std::string& pre = blocks_[i];
        for (const char* k : {"1", "2", "3"}) fold(pre + ".conv" + k, pre + ".bn" + k);
        if (b == 0) fold(pre + ".downsample.0", pre + ".downsample.1");
      }
  }

 private:
  struct Folded {
    Tensor w, b;
  };

  // conv (no bias) -> BN over its running statistics = one conv with w * scale and bias beta - mean * scale,
  // scale = gamma / sqrt(var + eps), in double on the host, then placed where the parameters are and frozen.
  void fold(const std::string& conv_name, const std::string& bn_name) {
    const Tensor w = p(conv_name + ".weight");
    const auto g = p(bn_name + ".weight").to_vector(), be = p(bn_name + ".bias").to_vector();
    const auto mu = p(bn_name + ".running_mean").to_vector(), var = p(bn_name + ".running_var").to_vector();
    std::vector<float> wv = w.to_vector(), bv(g.size());
    const size_t out = g.size(), per = wv.size() / out;
    for (size_t o = 0; o < out; o++) {
      const double scale = g[o] / std::sqrt(static_cast<double>(var[o]) + 1e-5);
      for (size_t i = 0; i < per; i++) wv[o * per + i] = static_cast<float>(wv[o * per + i] * scale);
      bv[o] = static_cast<float>(be[o] - mu[o] * scale);
    }
    const Device dev = w.device();
    Folded f{Tensor::from_vector(wv, w.shape()).to(dev), Tensor::from_vector(bv, {static_cast<int64_t>(out)}).to(dev)};
    f.w.freeze();
    f.b.freeze();
    folded_[conv_name] = std::move(f);
  }

  Tensor conv_bn(Context& c, const Tensor& x, const std::string& conv_name, const std::string& bn_name, int stride,
                 int pad) {
    if (c.training || c.param_grads()) return bn(c, conv(c, x, p(conv_name + ".weight"), Tensor(), stride, pad), bn_name);
    auto it = folded_.find(conv_name);
    if (it == folded_.end()) throw ArgError("resnet: no prepared weights for " + conv_name);
    return conv(c, x, it->second.w, it->second.b, stride, pad);
  }

  void add_bn(const std::string& n, int64_t ch) {
    for (const char* s : {".weight", ".bias", ".running_mean", ".running_var"}) add_param(n + s, {ch});
  }
  Tensor bn(Context& c, const Tensor& x, const std::string& n) {
    return batch_norm(c, x, p(n + ".weight"), p(n + ".bias"), p(n + ".running_mean"), p(n + ".running_var"), 1e-5f);
  }

  // relu(branch(x) + shortcut(x)); the branch and shortcut run on nested tapes so the gradient sums both.
  Tensor bottleneck(Context& c, const Tensor& x, const std::string& pre, int stride, bool down) {
    const int index = c.block_counter++;
    const bool skip = c.skip_blocks.count(index) > 0;
    Tape* outer = c.tape;
    Tape t_short, t_branch;
    c.tape = outer ? &t_short : nullptr;
    Tensor sc = down ? conv_bn(c, x, pre + ".downsample.0", pre + ".downsample.1", stride, 0) : x;
    Tensor sum = sc;
    if (!skip) {
      c.tape = outer ? &t_branch : nullptr;
      Tensor y = relu(c, conv_bn(c, x, pre + ".conv1", pre + ".bn1", 1, 0));
      y = relu(c, conv_bn(c, y, pre + ".conv2", pre + ".bn2", stride, 1));
      y = conv_bn(c, y, pre + ".conv3", pre + ".bn3", 1, 0);
      sum = lk::add(y, sc);
    }
    c.tape = outer;
    if (outer) {
      auto s = std::make_shared<Tape>(std::move(t_short));
      auto br = skip ? nullptr : std::make_shared<Tape>(std::move(t_branch));
      outer->push([s, br](const Tensor& dy) {
        Tensor dx = s->backward(dy);
        return br ? lk::add(dx, br->backward(dy)) : dx;
      });
    }
    Tensor out = relu(c, sum);
    record(c, pre, out);
    return out;
  }

  std::vector<int> layers_;
  int classes_;
  std::vector<std::string> blocks_;
  std::map<std::string, Folded> folded_;
};

}  // namespace

std::unique_ptr<Model> make_resnet(const Config& cfg) { return std::make_unique<ResNet>(cfg); }

}  // namespace lk::nn
