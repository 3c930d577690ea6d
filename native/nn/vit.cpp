// Vision Transformer (REFERENCE.md §1.3) with timm's key names: ViT-S/B/L at a fixed image size, and DINO's
// head-less ViT-S/16 (num_classes 0: the output is the normed class token).
// Config: dim, depth, heads, patch, img_size, num_classes (0 = no head). MLP ratio 4, LN eps 1e-6, exact GELU.
// Residual units (lesion indices, block_names) are `blocks.N.attn` and `blocks.N.mlp`, two per block in forward
// order; the token embedding (class token + position embedding added) is recorded as `patch_embed`.
// With Context::record_attention the last block's attention probabilities (N, heads, T, T) are kept.
#include "families.h"
#include "layers.h"

namespace lk::nn {
namespace {

// Tokens (N, P, D) -> (N, 1 + P, D): a zero row is prepended, then `table` (1 + P, D) is added to every image,
// its row 0 being cls_token + pos_embed[0] and the others pos_embed[1..]. Built from pad2d (tokens seen as an
// (N, P, 1, D) map padded by one row on top) and add, so it runs on any backend; the backward crops the
// gradient's first row away (pad2d_backward), the added table being a constant for the input gradient.
// Training: the table's gradient is the batch sum of dy; its row 0 goes to cls_token too.
Tensor prepend_cls_add_pos(Context& c, const Tensor& tokens, const Tensor& table, const Tensor& pos_embed,
                           const Tensor& cls_token) {
  const int64_t N = tokens.dim(0), P = tokens.dim(1), D = tokens.dim(2);
  if (table.numel() != (P + 1) * D)
    throw ArgError("vit: position table holds " + std::to_string(table.numel()) + " values, expected (" +
                   std::to_string(P + 1) + " tokens x " + std::to_string(D) + ")");
  Pad2dArgs top;
  top.pad_t = 1;
  Tensor padded = lk::pad2d(tokens.reshape({N, P, 1, D}), top).reshape({N, (P + 1) * D});
  // The table, one row of (1 + P) * D values on the tokens' device, is broadcast over the N images.
  Tensor y = lk::add(padded, table).reshape({N, P + 1, D});
  if (c.taping()) {
    c.tape->push([top, N, P, D, grads = c.grads, pos_embed, cls_token](const Tensor& dy) {
      if (grads) {
        Tensor h = dy.to(cpu_device());
        const int64_t TD = (P + 1) * D;
        Tensor dtable = Tensor::zeros({1, P + 1, D});
        for (int64_t n = 0; n < N; n++)
          for (int64_t i = 0; i < TD; i++) dtable.data()[i] += h.data()[n * TD + i];
        Tensor dcls = Tensor::from_vector(std::vector<float>(dtable.data(), dtable.data() + D), {1, 1, D});
        grads->add(pos_embed, dtable.to(dy.device()));
        grads->add(cls_token, dcls.to(dy.device()));
      }
      return lk::pad2d_backward(dy.reshape({N, P + 1, 1, D}), top).reshape({N, P, D});
    });
  }
  return y;
}

// Tokens (N, T, D) -> the class token (N, D): a crop of the first row (pad2d_backward of a bottom padding of
// T - 1 rows); its backward pads the gradient back with zeros for the T - 1 patch tokens (pad2d).
Tensor take_cls_token(Context& c, const Tensor& x) {
  const int64_t N = x.dim(0), T = x.dim(1), D = x.dim(2);
  Pad2dArgs rest;
  rest.pad_b = static_cast<int>(T - 1);
  Tensor y = T == 1 ? x.reshape({N, D}) : lk::pad2d_backward(x.reshape({N, T, 1, D}), rest).reshape({N, D});
  if (c.taping()) {
    c.tape->push([rest, N, T, D](const Tensor& dy) {
      return T == 1 ? dy.reshape({N, 1, D}) : lk::pad2d(dy.reshape({N, 1, 1, D}), rest).reshape({N, T, D});
    });
  }
  return y;
}

class ViT : public Model {
 public:
  explicit ViT(const Config& cfg) {
    dim_ = cfg.i("dim", 768);
    depth_ = cfg.i("depth", 12);
    heads_ = cfg.i("heads", 12);
    patch_ = cfg.i("patch", 16);
    img_ = cfg.i("img_size", 224);
    classes_ = cfg.i("num_classes", 1000);
    if (dim_ < 1 || depth_ < 1 || heads_ < 1 || dim_ % heads_ != 0)
      throw ArgError("vit: expected dim divisible by heads and depth >= 1, received dim " + std::to_string(dim_) +
                     ", heads " + std::to_string(heads_) + ", depth " + std::to_string(depth_));
    if (patch_ < 1 || img_ < patch_ || img_ % patch_ != 0)
      throw ArgError("vit: expected img_size a multiple of patch, received img_size " + std::to_string(img_) +
                     ", patch " + std::to_string(patch_));
    if (classes_ < 0) throw ArgError("vit: num_classes must be >= 0, received " + std::to_string(classes_));
    grid_ = img_ / patch_;
    const int64_t D = dim_, T = static_cast<int64_t>(grid_) * grid_ + 1;
    add_param("cls_token", {1, 1, D});
    add_param("pos_embed", {1, T, D});
    add_param("patch_embed.proj.weight", {D, 3, patch_, patch_});
    add_param("patch_embed.proj.bias", {D});
    for (int b = 0; b < depth_; b++) {
      const std::string p = "blocks." + std::to_string(b);
      add_param(p + ".norm1.weight", {D});
      add_param(p + ".norm1.bias", {D});
      add_param(p + ".attn.qkv.weight", {3 * D, D});
      add_param(p + ".attn.qkv.bias", {3 * D});
      add_param(p + ".attn.proj.weight", {D, D});
      add_param(p + ".attn.proj.bias", {D});
      add_param(p + ".norm2.weight", {D});
      add_param(p + ".norm2.bias", {D});
      add_param(p + ".mlp.fc1.weight", {4 * D, D});
      add_param(p + ".mlp.fc1.bias", {4 * D});
      add_param(p + ".mlp.fc2.weight", {D, 4 * D});
      add_param(p + ".mlp.fc2.bias", {D});
      units_.push_back(p + ".attn");
      units_.push_back(p + ".mlp");
    }
    add_param("norm.weight", {D});
    add_param("norm.bias", {D});
    if (classes_ > 0) {
      add_param("head.weight", {classes_, D});
      add_param("head.bias", {classes_});
    }
  }

  std::string family() const override { return "vit"; }
  std::vector<std::string> block_names() const override { return units_; }
  // timm: one rate per transformer block, linear over blocks, used by both its attention and MLP residuals.
  std::vector<float> drop_path_rates(float r) const override {
    std::vector<float> rates;
    for (int b = 0; b < depth_; b++) {
      const float v = depth_ > 1 ? static_cast<float>(r * static_cast<double>(b) / (depth_ - 1)) : 0.f;
      rates.push_back(v);
      rates.push_back(v);
    }
    return rates;
  }

  Tensor forward(Context& c, const Tensor& x0) override {
    if (x0.dim(1) != img_ || x0.dim(2) != img_)
      throw ArgError("vit: expected input " + std::to_string(img_) + "x" + std::to_string(img_) +
                     " (the position embedding is fixed to a " + std::to_string(grid_) + "x" + std::to_string(grid_) +
                     " grid), received " + std::to_string(x0.dim(1)) + "x" + std::to_string(x0.dim(2)));
    const int64_t N = x0.dim(0), D = dim_;
    Tensor x = pixel_normalize(c, x0, mean, std);
    x = conv(c, x, p("patch_embed.proj.weight"), p("patch_embed.proj.bias"), patch_, 0);  // (N, g, g, D)
    x = reshape(c, x, {N, static_cast<int64_t>(grid_) * grid_, D});                        // row-major patches
    x = prepend_cls_add_pos(c, x, token_table_, p("pos_embed"), p("cls_token"));
    c.record_skip_tokens = 1;  // block records over the 196 patch tokens, as the released variance code
    record(c, "patch_embed", x);
    for (int b = 0; b < depth_; b++) {
      const std::string pre = "blocks." + std::to_string(b);
      const bool keep = c.record_attention && b == depth_ - 1;
      x = residual(c, pre + ".attn", x, [&](Context& cc, const Tensor& in) {
        Tensor h = layer_norm(cc, in, p(pre + ".norm1.weight"), p(pre + ".norm1.bias"), 1e-6f);
        return self_attention(cc, h, p(pre + ".attn.qkv.weight"), p(pre + ".attn.qkv.bias"),
                              p(pre + ".attn.proj.weight"), p(pre + ".attn.proj.bias"), heads_, keep);
      });
      x = residual(c, pre + ".mlp", x, [&](Context& cc, const Tensor& in) {
        Tensor h = layer_norm(cc, in, p(pre + ".norm2.weight"), p(pre + ".norm2.bias"), 1e-6f);
        h = linear(cc, h, p(pre + ".mlp.fc1.weight"), p(pre + ".mlp.fc1.bias"));
        h = gelu(cc, h);
        return linear(cc, h, p(pre + ".mlp.fc2.weight"), p(pre + ".mlp.fc2.bias"));
      });
    }
    x = layer_norm(c, x, p("norm.weight"), p("norm.bias"), 1e-6f);
    if (c.features_only) return x;  // tokens (N, T, D) after the final norm
    x = take_cls_token(c, x);
    if (classes_ == 0) return x;
    return linear(c, x, p("head.weight"), p("head.bias"));
  }

 protected:
  // The constant added to the token sequence: row 0 = cls_token + pos_embed[0], rows 1.. = pos_embed[1..].
  void prepare() override {
    std::vector<float> table = p("pos_embed").to_vector();
    const std::vector<float> cls = p("cls_token").to_vector();
    for (int d = 0; d < dim_; d++) table[d] += cls[d];
    // Kept where the parameters are, so the forward uploads nothing.
    token_table_ = Tensor::from_vector(table, {static_cast<int64_t>(table.size())}).to(p("pos_embed").device());
  }

 private:
  int dim_, depth_, heads_, patch_, img_, grid_, classes_;
  std::vector<std::string> units_;
  Tensor token_table_;  // ((1 + P) * D), on the parameters' device
};

}  // namespace

std::unique_ptr<Model> make_vit(const Config& cfg) { return std::make_unique<ViT>(cfg); }

}  // namespace lk::nn
