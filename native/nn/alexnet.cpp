// AlexNet as torchvision's `alexnet` (REFERENCE.md §1.7), keys features.{0,3,6,8,10} and classifier.{1,4,6}.
// Config: num_classes. Dropout is the identity (eval). No residual blocks, so nothing to lesion; each conv's
// ReLU output is recorded under the conv's key prefix.
#include "families.h"
#include "layers.h"

namespace lk::nn {
namespace {

constexpr int kPooled = 6;  // AdaptiveAvgPool2d((6, 6)) before the classifier

struct ConvSpec {
  int index, out, in, kernel, stride, pad;
  bool pool_after;
};
constexpr ConvSpec kConvs[] = {
    {0, 64, 3, 11, 4, 2, true}, {3, 192, 64, 5, 1, 2, true}, {6, 384, 192, 3, 1, 1, false},
    {8, 256, 384, 3, 1, 1, false}, {10, 256, 256, 3, 1, 1, true},
};

// Row o of the (out, in) matrix averages PyTorch's adaptive bin [floor(o*in/out), ceil((o+1)*in/out)).
std::vector<double> adaptive_bins(int64_t in, int64_t out) {
  std::vector<double> m(static_cast<size_t>(out * in), 0.0);
  for (int64_t o = 0; o < out; o++) {
    const int64_t a = (o * in) / out, b = ((o + 1) * in + out - 1) / out;
    for (int64_t i = a; i < b; i++) m[o * in + i] = 1.0 / static_cast<double>(b - a);
  }
  return m;
}

class AlexNet : public Model {
 public:
  explicit AlexNet(const Config& cfg) {
    classes_ = cfg.i("num_classes", 1000);
    for (const ConvSpec& s : kConvs) {
      const std::string n = "features." + std::to_string(s.index);
      add_param(n + ".weight", {s.out, s.in, s.kernel, s.kernel});
      add_param(n + ".bias", {s.out});
    }
    add_param("classifier.1.weight", {4096, 256 * kPooled * kPooled});
    add_param("classifier.1.bias", {4096});
    add_param("classifier.4.weight", {4096, 4096});
    add_param("classifier.4.bias", {4096});
    if (classes_ > 0) {
      add_param("classifier.6.weight", {classes_, 4096});
      add_param("classifier.6.bias", {classes_});
    }
  }

  std::string family() const override { return "alexnet"; }
  bool supports_training() const override { return false; }  // not yet: derived weights / dropout
  std::vector<std::string> block_names() const override { return {}; }

  Tensor forward(Context& c, const Tensor& x0) override {
    Tensor x = pixel_normalize(c, x0, mean, std);
    Pool2dArgs mp;
    mp.kernel_h = mp.kernel_w = 3;
    mp.stride_h = mp.stride_w = 2;
    for (const ConvSpec& s : kConvs) {
      const std::string n = "features." + std::to_string(s.index);
      x = relu(c, conv(c, x, p(n + ".weight"), p(n + ".bias"), s.stride, s.pad));
      record(c, n, x);
      if (s.pool_after) {
        if (x.dim(1) < 3 || x.dim(2) < 3)
          throw ArgError("alexnet: input too small: a 3x3 max-pool meets a " + std::to_string(x.dim(1)) + "x" +
                         std::to_string(x.dim(2)) + " map (inputs need at least 63x63 pixels)");
        x = max_pool(c, x, mp);
      }
    }
    if (c.features_only) return x;
    // torchvision flattens (C, H, W): go channels-first, then pool each channel's map to 6x6.
    const int64_t N = x.dim(0), h = x.dim(1), wd = x.dim(2), C = x.dim(3);
    x = reshape(c, permute(c, x, {0, 3, 1, 2}), {N, C, h * wd});
    if (h != kPooled || wd != kPooled) x = linear(c, x, adaptive_pool_matrix(h, wd, x.device()), Tensor());
    x = reshape(c, x, {N, C * kPooled * kPooled});
    x = relu(c, linear(c, x, p("classifier.1.weight"), p("classifier.1.bias")));
    x = relu(c, linear(c, x, p("classifier.4.weight"), p("classifier.4.bias")));
    if (classes_ == 0) return x;
    return linear(c, x, p("classifier.6.weight"), p("classifier.6.bias"));
  }

 private:
  // Adaptive average pooling is linear: a (36, h*w) matrix, the outer product of the row and column bins.
  static Tensor adaptive_pool_matrix(int64_t h, int64_t w, Device device) {
    const std::vector<double> rows = adaptive_bins(h, kPooled), cols = adaptive_bins(w, kPooled);
    std::vector<float> m(static_cast<size_t>(kPooled * kPooled * h * w));
    for (int oi = 0; oi < kPooled; oi++)
      for (int oj = 0; oj < kPooled; oj++)
        for (int64_t i = 0; i < h; i++)
          for (int64_t j = 0; j < w; j++)
            m[((oi * kPooled + oj) * h + i) * w + j] = static_cast<float>(rows[oi * h + i] * cols[oj * w + j]);
    return Tensor::from_vector(m, {kPooled * kPooled, h * w}).to(device);
  }

  int classes_;
};

}  // namespace

std::unique_ptr<Model> make_alexnet(const Config& cfg) { return std::make_unique<AlexNet>(cfg); }

}  // namespace lk::nn
