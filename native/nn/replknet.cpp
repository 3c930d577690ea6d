// RepLKNet (REFERENCE.md §1.1) with the official checkpoint key names, before or after structural
// re-parameterisation.
//
// Config: kernels[4] (large depthwise kernel per stage), layers[4] (RepLK/ConvFFN pairs per stage), channels[4],
// small_kernel (parallel small depthwise branch, 0 = none), dw_ratio (depthwise width = dw_ratio x channels),
// ffn_ratio, num_classes (0 = no head: the pooled, normed features), reparam (1: the parameter set is the fused
// one, `large_kernel.lkb_reparam.{weight,bias}` in place of lkb_origin/small_conv).
//
// Residual units: stage i holds 2*layers[i] units, `stages.i.blocks.{2j}` (RepLK block) and
// `stages.i.blocks.{2j+1}` (ConvFFN), each its own nn::residual, so Context::skip_blocks and block_names() index
// units. The lesion analysis (REFERENCE.md §6.4/§8) counts a RepLKNet "block" as a RepLK block WITH its ConvFFN:
// pair k is units {2k, 2k+1} (every stage has an even number of units, so the global unit index u belongs to
// pair u / 2; e.g. pair 4, the first stage-3 pair of 31B, is "stages.2.blocks.0" + "stages.2.blocks.1").
//
// Speed: prepare() folds every BN into the neighbouring conv, which is exact algebra (only float rounding
// differs): conv+BN after it (scale/shift per output channel); the BN before a 1x1 conv (prelkb_bn, preffn_bn)
// into that conv's weight and bias (no padding is involved); the two large-kernel branches into one K x K kernel
// (the re-parameterisation itself); and the final `norm` BN into the head (BN and global average pooling
// commute). 1x1 convs run as linear layers over the channel dim of NHWC maps.
// Recorded layers (feature-map variance): stem.0..stem.3, every residual unit, transitions.i.
// features_only returns the last stage's output before `norm`.
#include <cmath>

#include "families.h"
#include "layers.h"

namespace lk::nn {
namespace {

constexpr float kEps = 1e-5f;

// A conv with its folded bias, as run by forward(): weight in PyTorch layout ((out,in) for 1x1 convs).
struct Folded {
  Tensor w, b;
};

class RepLKNet : public Model {
 public:
  explicit RepLKNet(const Config& cfg) {
    kernels_ = cfg.ints("kernels", {31, 29, 27, 13});
    layers_ = cfg.ints("layers", {2, 2, 18, 2});
    channels_ = cfg.ints("channels", {128, 256, 512, 1024});
    if (kernels_.size() != 4 || layers_.size() != 4 || channels_.size() != 4)
      throw ArgError("replknet: expected 4 kernels, 4 layers and 4 channels");
    small_ = cfg.i("small_kernel", 5);
    dw_ratio_ = cfg.f("dw_ratio", 1.f);
    ffn_ratio_ = cfg.f("ffn_ratio", 4.f);
    classes_ = cfg.i("num_classes", 1000);
    fused_ = cfg.i("reparam", 0) != 0;
    for (int s = 0; s < 4; s++) {
      const int k = kernels_[s];
      if (k < 1 || k % 2 == 0) throw ArgError("replknet: kernel " + std::to_string(k) + " must be odd and positive");
      if (small_ > 0 && (small_ % 2 == 0 || small_ > k))
        throw ArgError("replknet: small kernel " + std::to_string(small_) + " must be odd and at most the large kernel " +
                       std::to_string(k));
      if (channels_[s] < 1 || layers_[s] < 0) throw ArgError("replknet: channels must be positive, layers non-negative");
    }
    if (small_ < 0) throw ArgError("replknet: small_kernel must be 0 (none) or an odd size");
    for (int s = 0; s < 4; s++)
      for (int b = 0; b < 2 * layers_[s]; b++) units_.push_back("stages." + std::to_string(s) + ".blocks." + std::to_string(b));
    build_specs();
  }

  std::string family() const override { return "replknet"; }
  // Training runs the unfused graph (conv -> BN everywhere, the small kernel beside the large one); the fused
  // parameter set has no BN left to train.
  bool supports_training() const override { return !fused_; }
  std::vector<std::string> block_names() const override { return units_; }

  // Fuses lkb_origin (+ small_conv) of every RepLK block into lkb_reparam.{weight,bias} (REFERENCE.md §1.1). On a
  // model without parameters it only switches the expected key set (so a fused checkpoint can be loaded).
  bool reparameterize() override {
    if (fused_) return false;
    if (ready_) {
      std::map<std::string, Tensor> next = params_;
      for (const auto& lk : large_kernels()) {
        Folded f = fold_large_kernel(lk);
        for (const char* branch : {".lkb_origin", ".small_conv"}) {
          const std::string br = lk + branch;
          next.erase(br + ".conv.weight");
          for (const char* s : {".weight", ".bias", ".running_mean", ".running_var"}) next.erase(br + ".bn" + s);
        }
        next[lk + ".lkb_reparam.weight"] = f.w;
        next[lk + ".lkb_reparam.bias"] = f.b;
      }
      fused_ = true;
      build_specs();
      set_params(next);
    } else {
      fused_ = true;
      build_specs();
    }
    return true;
  }

  std::vector<std::pair<std::string, Tensor>> depthwise_kernels() const override {
    if (!ready_) throw ArgError("replknet: parameters are not loaded");
    std::vector<std::pair<std::string, Tensor>> out;
    for (const auto& lk : large_kernels()) out.push_back({lk, folded_.at(lk).w});
    return out;
  }

  Tensor forward(Context& c, const Tensor& x0) override {
    if (c.training || c.param_grads()) return forward_unfused(c, x0);
    Tensor x = pixel_normalize(c, x0, mean, std);
    const int64_t c0 = channels_[0];
    x = relu(c, conv(c, x, f("stem.0").w, f("stem.0").b, 2, 1));
    record(c, "stem.0", x);
    x = relu(c, conv(c, x, f("stem.1").w, f("stem.1").b, 1, 1, static_cast<int>(c0)));
    record(c, "stem.1", x);
    x = relu(c, linear(c, x, f("stem.2").w, f("stem.2").b));
    record(c, "stem.2", x);
    x = relu(c, conv(c, x, f("stem.3").w, f("stem.3").b, 2, 1, static_cast<int>(c0)));
    record(c, "stem.3", x);
    size_t u = 0;
    for (int s = 0; s < 4; s++) {
      const int k = kernels_[s];
      const int dw = static_cast<int>(dw_channels(s));
      for (int j = 0; j < layers_[s]; j++) {
        const std::string lkb = units_[u++], ffn = units_[u++];
        x = residual(c, lkb, x, [&](Context& cc, const Tensor& in) {
          Tensor y = relu(cc, linear(cc, in, f(lkb + ".pw1").w, f(lkb + ".pw1").b));  // prelkb_bn folded in
          const Folded& big = f(lkb + ".large_kernel");
          y = relu(cc, conv(cc, y, big.w, big.b, 1, k / 2, dw));
          return linear(cc, y, f(lkb + ".pw2").w, f(lkb + ".pw2").b);
        });
        x = residual(c, ffn, x, [&](Context& cc, const Tensor& in) {
          Tensor y = gelu(cc, linear(cc, in, f(ffn + ".pw1").w, f(ffn + ".pw1").b));  // preffn_bn folded in
          return linear(cc, y, f(ffn + ".pw2").w, f(ffn + ".pw2").b);
        });
      }
      if (s < 3) {
        const std::string t = "transitions." + std::to_string(s);
        x = relu(c, linear(c, x, f(t + ".0").w, f(t + ".0").b));
        x = relu(c, conv(c, x, f(t + ".1").w, f(t + ".1").b, 2, 1, channels_[s + 1]));
        record(c, t, x);
      }
    }
    if (c.features_only) return x;
    x = global_avg_pool(c, x);  // (N, C); `norm` is folded into the head (or applied here without one)
    return linear(c, x, f("head").w, f("head").b);
  }

 protected:
  void prepare() override {
    folded_.clear();
    folded_["stem.0"] = fold_conv_bn("stem.0");
    folded_["stem.1"] = fold_conv_bn("stem.1");
    folded_["stem.2"] = as_linear(fold_conv_bn("stem.2"));
    folded_["stem.3"] = fold_conv_bn("stem.3");
    size_t u = 0;
    for (int s = 0; s < 4; s++) {
      for (int j = 0; j < layers_[s]; j++) {
        const std::string lkb = units_[u++], ffn = units_[u++];
        folded_[lkb + ".pw1"] = pre_bn_into(as_linear(fold_conv_bn(lkb + ".pw1")), lkb + ".prelkb_bn");
        folded_[lkb + ".large_kernel"] = fold_large_kernel(lkb + ".large_kernel");
        folded_[lkb + ".pw2"] = as_linear(fold_conv_bn(lkb + ".pw2"));
        folded_[ffn + ".pw1"] = pre_bn_into(as_linear(fold_conv_bn(ffn + ".pw1")), ffn + ".preffn_bn");
        folded_[ffn + ".pw2"] = as_linear(fold_conv_bn(ffn + ".pw2"));
      }
      if (s < 3) {
        const std::string t = "transitions." + std::to_string(s);
        folded_[t + ".0"] = as_linear(fold_conv_bn(t + ".0"));
        folded_[t + ".1"] = fold_conv_bn(t + ".1");
      }
    }
    // Head: linear(BN(avg(x))) = linear'(avg(x)); without a head, the BN alone as a diagonal linear map.
    const int64_t cl = channels_[3];
    if (classes_ > 0) {
      folded_["head"] = pre_bn_into({p("head.weight"), p("head.bias")}, "norm");
    } else {
      Tensor eye = Tensor::zeros({cl, cl});
      for (int64_t i = 0; i < cl; i++) eye.data()[i * cl + i] = 1.f;
      folded_["head"] = pre_bn_into({eye, Tensor::zeros({cl})}, "norm");
    }
    // Folding ran on the host; the forward uses the folded weights where the parameters are (uploaded once).
    const Device dev = params_.begin()->second.device();
    for (auto& [name, fw] : folded_) {
      fw.w = fw.w.to(dev).freeze();  // replaced, never written, when the parameters change
      fw.b = fw.b.to(dev).freeze();
    }
  }

 private:
  // conv (no bias) -> BN [-> ReLU], PyTorch's padding k // 2, on the raw parameters (training, parameter gradients).
  Tensor conv_bn(Context& c, const Tensor& x, const std::string& n, int stride, int groups, bool relu_after) {
    const Tensor w = p(n + ".conv.weight");
    const int k = static_cast<int>(w.dim(2));
    Tensor y = conv(c, x, w, Tensor(), stride, k / 2, groups);
    y = batch_norm(c, y, p(n + ".bn.weight"), p(n + ".bn.bias"), p(n + ".bn.running_mean"), p(n + ".bn.running_var"), kEps);
    return relu_after ? relu(c, y) : y;
  }
  Tensor bn(Context& c, const Tensor& x, const std::string& n) {
    return batch_norm(c, x, p(n + ".weight"), p(n + ".bias"), p(n + ".running_mean"), p(n + ".running_var"), kEps);
  }
  // a(x) + b(x) on one input: each on its own tape, the input gradient the sum of both (not a residual block).
  Tensor fork_sum(Context& c, const Tensor& x, const std::function<Tensor(Context&, const Tensor&)>& a,
                  const std::function<Tensor(Context&, const Tensor&)>& b) {
    Tape ta, tb;
    Tape* outer = c.tape;
    Tensor y;
    try {
      if (outer) c.tape = &ta;
      Tensor ya = a(c, x);
      if (outer) c.tape = &tb;
      y = lk::add(ya, b(c, x));
    } catch (...) {
      c.tape = outer;
      throw;
    }
    c.tape = outer;
    if (outer) {
      auto sa = std::make_shared<Tape>(std::move(ta)), sb = std::make_shared<Tape>(std::move(tb));
      outer->push([sa, sb](const Tensor& dy) { return lk::add(sa->backward(dy), sb->backward(dy)); });
    }
    return y;
  }

  Tensor forward_unfused(Context& c, const Tensor& x0) {
    if (fused_) throw NotImplemented("replknet: the re-parameterised graph cannot be trained (load the unfused checkpoint)");
    Tensor x = pixel_normalize(c, x0, mean, std);
    const int c0 = static_cast<int>(channels_[0]);
    x = conv_bn(c, x, "stem.0", 2, 1, true);
    x = conv_bn(c, x, "stem.1", 1, c0, true);
    x = conv_bn(c, x, "stem.2", 1, 1, true);
    x = conv_bn(c, x, "stem.3", 2, c0, true);
    size_t u = 0;
    for (int s = 0; s < 4; s++) {
      const int dw = static_cast<int>(dw_channels(s));
      for (int j = 0; j < layers_[s]; j++) {
        const std::string lkb = units_[u++], ffn = units_[u++];
        x = residual(c, lkb, x, [&](Context& cc, const Tensor& in) {
          Tensor y = conv_bn(cc, bn(cc, in, lkb + ".prelkb_bn"), lkb + ".pw1", 1, 1, true);
          const std::string big = lkb + ".large_kernel";
          if (small_ > 0)
            y = fork_sum(cc, y, [&](Context& c2, const Tensor& t) { return conv_bn(c2, t, big + ".lkb_origin", 1, dw, false); },
                         [&](Context& c2, const Tensor& t) { return conv_bn(c2, t, big + ".small_conv", 1, dw, false); });
          else
            y = conv_bn(cc, y, big + ".lkb_origin", 1, dw, false);
          return conv_bn(cc, relu(cc, y), lkb + ".pw2", 1, 1, false);
        });
        x = residual(c, ffn, x, [&](Context& cc, const Tensor& in) {
          Tensor y = gelu(cc, conv_bn(cc, bn(cc, in, ffn + ".preffn_bn"), ffn + ".pw1", 1, 1, false));
          return conv_bn(cc, y, ffn + ".pw2", 1, 1, false);
        });
      }
      if (s < 3) {
        const std::string t = "transitions." + std::to_string(s);
        x = conv_bn(c, x, t + ".0", 1, 1, true);
        x = conv_bn(c, x, t + ".1", 2, static_cast<int>(channels_[s + 1]), true);
      }
    }
    if (c.features_only) return x;
    x = global_avg_pool(c, bn(c, x, "norm"));  // BN on the map: in training its statistics are over N, H, W
    if (classes_ == 0) return x;
    return linear(c, x, p("head.weight"), p("head.bias"));
  }

  int64_t dw_channels(int s) const { return static_cast<int64_t>(std::llround(dw_ratio_ * channels_[s])); }
  int64_t ffn_channels(int s) const { return static_cast<int64_t>(std::llround(ffn_ratio_ * channels_[s])); }

  std::vector<std::string> large_kernels() const {
    std::vector<std::string> out;
    for (size_t u = 0; u < units_.size(); u += 2) out.push_back(units_[u] + ".large_kernel");
    return out;
  }

  void add_bn(const std::string& n, int64_t ch) {
    for (const char* s : {".weight", ".bias", ".running_mean", ".running_var"}) add_param(n + s, {ch});
  }
  void add_conv_bn(const std::string& n, const Shape& w) {
    add_param(n + ".conv.weight", w);
    add_bn(n + ".bn", w[0]);
  }

  // The parameter set in the official state dict's order (num_batches_tracked excluded).
  void build_specs() {
    specs_.clear();
    const int64_t c0 = channels_[0];
    add_conv_bn("stem.0", {c0, 3, 3, 3});
    add_conv_bn("stem.1", {c0, 1, 3, 3});
    add_conv_bn("stem.2", {c0, c0, 1, 1});
    add_conv_bn("stem.3", {c0, 1, 3, 3});
    size_t u = 0;
    for (int s = 0; s < 4; s++) {
      const int64_t ch = channels_[s], dw = dw_channels(s), hid = ffn_channels(s), k = kernels_[s];
      for (int j = 0; j < layers_[s]; j++) {
        const std::string lkb = units_[u++], ffn = units_[u++];
        add_bn(lkb + ".prelkb_bn", ch);
        add_conv_bn(lkb + ".pw1", {dw, ch, 1, 1});
        add_conv_bn(lkb + ".pw2", {ch, dw, 1, 1});
        if (fused_) {
          add_param(lkb + ".large_kernel.lkb_reparam.weight", {dw, 1, k, k});
          add_param(lkb + ".large_kernel.lkb_reparam.bias", {dw});
        } else {
          add_conv_bn(lkb + ".large_kernel.lkb_origin", {dw, 1, k, k});
          if (small_ > 0) add_conv_bn(lkb + ".large_kernel.small_conv", {dw, 1, small_, small_});
        }
        add_bn(ffn + ".preffn_bn", ch);
        add_conv_bn(ffn + ".pw1", {hid, ch, 1, 1});
        add_conv_bn(ffn + ".pw2", {ch, hid, 1, 1});
      }
    }
    for (int s = 0; s < 3; s++) {  // module order stem, stages, transitions, norm, head
      const std::string t = "transitions." + std::to_string(s);
      add_conv_bn(t + ".0", {channels_[s + 1], channels_[s], 1, 1});
      add_conv_bn(t + ".1", {channels_[s + 1], 1, 3, 3});
    }
    add_bn("norm", channels_[3]);
    if (classes_ > 0) {
      add_param("head.weight", {classes_, channels_[3]});
      add_param("head.bias", {classes_});
    }
  }

  const Folded& f(const std::string& n) const {
    auto it = folded_.find(n);
    if (it == folded_.end()) throw ArgError("replknet: no prepared weights for " + n);
    return it->second;
  }

  // BN over n's running statistics as y = x * scale + shift, per channel (double precision).
  void bn_affine(const std::string& n, std::vector<double>& scale, std::vector<double>& shift) const {
    auto g = p(n + ".weight").to(cpu_device()).to_vector(), b = p(n + ".bias").to(cpu_device()).to_vector();
    auto m = p(n + ".running_mean").to(cpu_device()).to_vector(), v = p(n + ".running_var").to(cpu_device()).to_vector();
    scale.resize(g.size());
    shift.resize(g.size());
    for (size_t i = 0; i < g.size(); i++) {
      scale[i] = g[i] / std::sqrt(static_cast<double>(v[i]) + kEps);
      shift[i] = b[i] - m[i] * scale[i];
    }
  }

  // conv (no bias) -> BN: W * t per output channel, bias beta - mean * gamma / std.
  Folded fold_conv_bn(const std::string& n) const {
    Tensor w = p(n + ".conv.weight").to(cpu_device());
    std::vector<double> sc, sh;
    bn_affine(n + ".bn", sc, sh);
    const int64_t out = w.dim(0), per = w.numel() / out;
    std::vector<float> wv = w.to_vector(), bv(static_cast<size_t>(out));
    for (int64_t o = 0; o < out; o++) {
      for (int64_t i = 0; i < per; i++) wv[o * per + i] = static_cast<float>(wv[o * per + i] * sc[o]);
      bv[o] = static_cast<float>(sh[o]);
    }
    return {Tensor::from_vector(wv, w.shape()), Tensor::from_vector(bv, {out})};
  }

  static Folded as_linear(Folded f) {
    f.w = f.w.reshape({f.w.dim(0), f.w.dim(1)});
    return f;
  }

  // linear(BN(x)) with the BN over the linear's inputs: W[o,i] * scale[i], b[o] + sum_i W[o,i] * shift[i].
  Folded pre_bn_into(const Folded& lin, const std::string& bn) const {
    std::vector<double> sc, sh;
    bn_affine(bn, sc, sh);
    const int64_t out = lin.w.dim(0), in = lin.w.dim(1);
    if (static_cast<int64_t>(sc.size()) != in) throw ArgError("replknet: " + bn + " does not fit the next layer");
    std::vector<float> w = lin.w.to(cpu_device()).to_vector(), b = lin.b.to(cpu_device()).to_vector();
    for (int64_t o = 0; o < out; o++) {
      double acc = b[o];
      for (int64_t i = 0; i < in; i++) {
        acc += static_cast<double>(w[o * in + i]) * sh[i];
        w[o * in + i] = static_cast<float>(w[o * in + i] * sc[i]);
      }
      b[o] = static_cast<float>(acc);
    }
    return {Tensor::from_vector(w, {out, in}), Tensor::from_vector(b, {out})};
  }

  // The kernel a large_kernel applies: lkb_reparam as loaded, or fused lkb_origin plus the fused small_conv
  // zero-padded by (K - k)/2 into the centre, with the two biases added.
  Folded fold_large_kernel(const std::string& lk) const {
    if (fused_) return {p(lk + ".lkb_reparam.weight").to(cpu_device()), p(lk + ".lkb_reparam.bias").to(cpu_device())};
    Folded big = fold_conv_bn(lk + ".lkb_origin");
    if (!maybe(lk + ".small_conv.conv.weight").defined()) return big;
    Folded sm = fold_conv_bn(lk + ".small_conv");
    const int64_t ch = big.w.dim(0), K = big.w.dim(2), k = sm.w.dim(2), off = (K - k) / 2;
    float* W = big.w.data();
    const float* S = sm.w.data();
    for (int64_t o = 0; o < ch; o++) {
      for (int64_t r = 0; r < k; r++)
        for (int64_t q = 0; q < k; q++) W[(o * K + r + off) * K + q + off] += S[(o * k + r) * k + q];
      big.b.data()[o] += sm.b.data()[o];
    }
    return big;
  }

  std::vector<int> kernels_, layers_, channels_;
  int small_, classes_;
  float dw_ratio_, ffn_ratio_;
  bool fused_;
  std::vector<std::string> units_;
  std::map<std::string, Folded> folded_;
};

}  // namespace

std::unique_ptr<Model> make_replknet(const Config& cfg) { return std::make_unique<RepLKNet>(cfg); }

}  // namespace lk::nn
