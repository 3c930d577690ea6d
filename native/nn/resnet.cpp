// ResNet v1.5 (REFERENCE.md §1.4), torchvision/timm keys. Config: layers[4] (Bottleneck counts),
// num_classes. Lesion: a skipped bottleneck keeps its shortcut (identity, or its downsample), then the ReLU.
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
    x = relu(c, bn(c, conv(c, x, p("conv1.weight"), Tensor(), 2, 3), "bn1"));
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

 private:
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
    Tensor sc = down ? bn(c, conv(c, x, p(pre + ".downsample.0.weight"), Tensor(), stride, 0), pre + ".downsample.1") : x;
    Tensor sum = sc;
    if (!skip) {
      c.tape = outer ? &t_branch : nullptr;
      Tensor y = relu(c, bn(c, conv(c, x, p(pre + ".conv1.weight"), Tensor(), 1, 0), pre + ".bn1"));
      y = relu(c, bn(c, conv(c, y, p(pre + ".conv2.weight"), Tensor(), stride, 1), pre + ".bn2"));
      y = bn(c, conv(c, y, p(pre + ".conv3.weight"), Tensor(), 1, 0), pre + ".bn3");
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
};

}  // namespace

std::unique_ptr<Model> make_resnet(const Config& cfg) { return std::make_unique<ResNet>(cfg); }

}  // namespace lk::nn
