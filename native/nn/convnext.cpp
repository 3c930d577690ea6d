// ConvNeXt (REFERENCE.md §1.2) with timm's key names and any odd depthwise kernel size.
// Config: depths[4], dims[4], kernel_size (or kernel_sizes[4]), num_classes (0 = no head).
// The depthwise conv pads (k-1)//2 on each side, as timm does (k//2 for odd k: k=13 pads 6). Even kernels are
// refused: with that padding a block would shrink its map by one pixel and the residual add is undefined (timm's
// convnext_tiny(kernel_sizes=4) fails the same way at the add), and no checkpoint with an even kernel exists.
#include "families.h"
#include "layers.h"

namespace lk::nn {
namespace {

class ConvNeXt : public Model {
 public:
  explicit ConvNeXt(const Config& cfg) {
    depths_ = cfg.ints("depths", {3, 3, 9, 3});
    dims_ = cfg.ints("dims", {96, 192, 384, 768});
    if (depths_.size() != 4 || dims_.size() != 4) throw ArgError("convnext: expected 4 depths and 4 dims");
    int k = cfg.i("kernel_size", 7);
    kernels_ = cfg.ints("kernel_sizes", {k, k, k, k});
    if (kernels_.size() != 4) throw ArgError("convnext: expected kernel_sizes for 4 stages");
    for (int kk : kernels_) {
      if (kk < 1 || kk > 63) throw ArgError("convnext: kernel size " + std::to_string(kk) + " out of range 1..63");
      if (kk % 2 == 0)
        throw ArgError("convnext: kernel size " + std::to_string(kk) +
                       " is even: timm pads (k-1)//2 on both sides, so the block would change the map size and "
                       "the residual add fails (as it does in timm); use an odd kernel size");
    }
    classes_ = cfg.i("num_classes", 1000);
    const int64_t c0 = dims_[0];
    add_param("stem.0.weight", {c0, 3, 4, 4});
    add_param("stem.0.bias", {c0});
    add_param("stem.1.weight", {c0});
    add_param("stem.1.bias", {c0});
    for (int s = 0; s < 4; s++) {
      const int64_t c = dims_[s];
      const std::string st = "stages." + std::to_string(s);
      if (s > 0) {
        add_param(st + ".downsample.0.weight", {dims_[s - 1]});
        add_param(st + ".downsample.0.bias", {dims_[s - 1]});
        add_param(st + ".downsample.1.weight", {c, dims_[s - 1], 2, 2});
        add_param(st + ".downsample.1.bias", {c});
      }
      for (int b = 0; b < depths_[s]; b++) {
        const std::string p = st + ".blocks." + std::to_string(b);
        add_param(p + ".gamma", {c});
        add_param(p + ".conv_dw.weight", {c, 1, kernels_[s], kernels_[s]});
        add_param(p + ".conv_dw.bias", {c});
        add_param(p + ".norm.weight", {c});
        add_param(p + ".norm.bias", {c});
        add_param(p + ".mlp.fc1.weight", {4 * c, c});
        add_param(p + ".mlp.fc1.bias", {4 * c});
        add_param(p + ".mlp.fc2.weight", {c, 4 * c});
        add_param(p + ".mlp.fc2.bias", {c});
        blocks_.push_back(p);
      }
    }
    const int64_t cl = dims_[3];
    add_param("head.norm.weight", {cl});
    add_param("head.norm.bias", {cl});
    if (classes_ > 0) {
      add_param("head.fc.weight", {classes_, cl});
      add_param("head.fc.bias", {classes_});
    }
  }

  std::string family() const override { return "convnext"; }
  std::vector<std::string> block_names() const override { return blocks_; }

  std::vector<std::pair<std::string, Tensor>> depthwise_kernels() const override {
    std::vector<std::pair<std::string, Tensor>> out;
    for (const auto& b : blocks_) out.push_back({b + ".conv_dw", p(b + ".conv_dw.weight")});
    return out;
  }

  Tensor forward(Context& c, const Tensor& x0) override {
    Tensor x = pixel_normalize(c, x0, mean, std);
    x = conv(c, x, p("stem.0.weight"), p("stem.0.bias"), 4, 0);
    x = layer_norm(c, x, p("stem.1.weight"), p("stem.1.bias"), 1e-6f);
    record(c, "stem", x);
    size_t bi = 0;
    for (int s = 0; s < 4; s++) {
      const std::string st = "stages." + std::to_string(s);
      if (s > 0) {
        x = layer_norm(c, x, p(st + ".downsample.0.weight"), p(st + ".downsample.0.bias"), 1e-6f);
        x = conv(c, x, p(st + ".downsample.1.weight"), p(st + ".downsample.1.bias"), 2, 0);
        record(c, st + ".downsample", x);
      }
      Conv2dArgs dw;
      const int k = kernels_[s];
      dw.pad_t = dw.pad_l = dw.pad_b = dw.pad_r = (k - 1) / 2;
      dw.groups = dims_[s];
      for (int b = 0; b < depths_[s]; b++, bi++) {
        const std::string pre = blocks_[bi];
        x = residual(c, pre, x, [&](Context& cc, const Tensor& in) {
          Tensor y = conv(cc, in, p(pre + ".conv_dw.weight"), p(pre + ".conv_dw.bias"), dw);
          y = layer_norm(cc, y, p(pre + ".norm.weight"), p(pre + ".norm.bias"), 1e-6f);
          y = linear(cc, y, p(pre + ".mlp.fc1.weight"), p(pre + ".mlp.fc1.bias"));
          y = gelu(cc, y);
          y = linear(cc, y, p(pre + ".mlp.fc2.weight"), p(pre + ".mlp.fc2.bias"));
          return mul(cc, y, p(pre + ".gamma"));
        });
      }
    }
    if (c.features_only) return x;
    x = global_avg_pool(c, x);
    x = layer_norm(c, x, p("head.norm.weight"), p("head.norm.bias"), 1e-6f);
    if (classes_ == 0) return x;
    return linear(c, x, p("head.fc.weight"), p("head.fc.bias"));
  }

 private:
  std::vector<int> depths_, dims_, kernels_;
  int classes_;
  std::vector<std::string> blocks_;
};

}  // namespace

std::unique_ptr<Model> make_convnext(const Config& cfg) { return std::make_unique<ConvNeXt>(cfg); }

}  // namespace lk::nn
