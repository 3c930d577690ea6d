#include "layers.h"

#include <algorithm>
#include <cmath>

namespace lk::nn {

void ParamGrads::add(const Tensor& param, const Tensor& g) {
  if (!param.defined() || !g.defined()) return;
  auto it = by_data.find(param.data());
  if (it == by_data.end()) by_data.emplace(param.data(), g);
  else it->second = lk::add(it->second, g);
}

Tensor conv(Context& c, const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dArgs& a) {
  Tensor y = lk::conv2d(x, w, b, a);
  if (c.param_grads()) {
    c.tape->push([x, w, b, a, grads = c.grads](const Tensor& dy) {
      ConvGrads g = lk::conv2d_backward_params(dy, x, w.shape(), b.defined(), a);
      grads->add(w, g.dw);
      grads->add(b, g.db);
      return lk::conv2d_backward_input(dy, w, x.shape(), a);
    });
  } else if (c.taping()) {
    Shape xs = x.shape();
    c.tape->push([w, xs, a](const Tensor& dy) { return lk::conv2d_backward_input(dy, w, xs, a); });
  }
  return y;
}

Tensor conv(Context& c, const Tensor& x, const Tensor& w, const Tensor& b, int stride, int pad, int groups) {
  Conv2dArgs a;
  a.stride_h = a.stride_w = stride;
  a.pad_t = a.pad_b = a.pad_l = a.pad_r = pad;
  a.groups = groups;
  return conv(c, x, w, b, a);
}

Tensor linear(Context& c, const Tensor& x, const Tensor& w, const Tensor& b) {
  Tensor y = lk::linear(x, w, b);
  if (c.param_grads()) {
    c.tape->push([x, w, b, grads = c.grads](const Tensor& dy) {
      LinearGrads g = lk::linear_backward_params(dy, x, b.defined());
      grads->add(w, g.dw);
      grads->add(b, g.db);
      return lk::linear_backward_input(dy, w);
    });
  } else if (c.taping()) {
    c.tape->push([w](const Tensor& dy) { return lk::linear_backward_input(dy, w); });
  }
  return y;
}

// running = (1 - m) * running + m * batch, in place on the parameter's storage (PyTorch's rule; the variance
// term is the unbiased batch variance, the normalisation used the biased one).
static void update_running(const Tensor& running, const Tensor& batch, float m, double unbias) {
  if (!running.device().is_cpu())
    throw NotImplemented("batch_norm running-statistics update is implemented on cpu only, received " +
                         running.device().str());
  std::vector<float> b = batch.to_vector();
  float* r = running.data();
  for (size_t i = 0; i < b.size(); i++)
    r[i] = static_cast<float>((1.0 - m) * r[i] + m * (b[i] * unbias));
}

Tensor batch_norm(Context& c, const Tensor& x, const Tensor& g, const Tensor& b, const Tensor& mean,
                  const Tensor& var, float eps) {
  if (c.training) {
    BatchNormTrainOut o = lk::batch_norm_train(x, g, b, eps);
    const double rows = static_cast<double>(x.numel() / x.dim(-1));
    update_running(mean, o.mean, c.bn_momentum, 1.0);
    update_running(var, o.var, c.bn_momentum, rows / (rows - 1.0));
    if (c.taping()) {
      c.tape->push([x, g, b, bm = o.mean, bv = o.var, eps, grads = c.grads](const Tensor& dy) {
        BatchNormTrainGrads d = lk::batch_norm_train_backward(dy, x, g, bm, bv, eps);
        if (grads) {
          grads->add(g, d.dgamma);
          grads->add(b, d.dbeta);
        }
        return d.dx;
      });
    }
    return o.y;
  }
  Tensor y = lk::batch_norm(x, g, b, mean, var, eps);
  if (c.param_grads()) {
    c.tape->push([x, g, b, mean, var, eps, grads = c.grads](const Tensor& dy) {
      NormGrads d = lk::batch_norm_backward_params(dy, x, mean, var, eps);
      grads->add(g, d.dgamma);
      grads->add(b, d.dbeta);
      return lk::batch_norm_backward_input(dy, g, var, eps);
    });
  } else if (c.taping()) {
    c.tape->push([g, var, eps](const Tensor& dy) { return lk::batch_norm_backward_input(dy, g, var, eps); });
  }
  return y;
}

Tensor layer_norm(Context& c, const Tensor& x, const Tensor& g, const Tensor& b, float eps) {
  Tensor y = lk::layer_norm(x, g, b, eps);
  if (c.taping()) {
    c.tape->push([x, g, b, eps, grads = c.grads](const Tensor& dy) {
      if (grads) {
        NormGrads d = lk::layer_norm_backward_params(dy, x, eps);
        grads->add(g, d.dgamma);
        grads->add(b, d.dbeta);
      }
      return lk::layer_norm_backward_input(dy, x, g, eps);
    });
  }
  return y;
}

Tensor group_norm(Context& c, const Tensor& x, int groups, const Tensor& g, const Tensor& b, float eps) {
  Tensor y = lk::group_norm(x, groups, g, b, eps);
  if (c.taping()) {
    c.tape->push([x, groups, g, b, eps, grads = c.grads](const Tensor& dy) {
      if (grads) {
        NormGrads d = lk::group_norm_backward_params(dy, x, groups, eps);
        grads->add(g, d.dgamma);
        grads->add(b, d.dbeta);
      }
      return lk::group_norm_backward_input(dy, x, groups, g, eps);
    });
  }
  return y;
}

Tensor relu(Context& c, const Tensor& x) {
  Tensor y = lk::relu(x);
  // relu'(x) = relu'(y): keep the output, which later layers hold anyway.
  if (c.taping()) c.tape->push([y](const Tensor& dy) { return lk::relu_backward(dy, y); });
  return y;
}

Tensor gelu(Context& c, const Tensor& x, GeluApprox approx) {
  Tensor y = lk::gelu(x, approx);
  if (c.taping()) c.tape->push([x, approx](const Tensor& dy) { return lk::gelu_backward(dy, x, approx); });
  return y;
}

Tensor mul(Context& c, const Tensor& x, const Tensor& s) {
  Tensor y = lk::mul(x, s);
  if (c.taping()) {
    c.tape->push([x, s, grads = c.grads](const Tensor& dy) {
      BinaryGrads d = lk::mul_backward(dy, x, s);
      if (grads) grads->add(s, d.db);
      return d.da;
    });
  }
  return y;
}

Tensor max_pool(Context& c, const Tensor& x, const Pool2dArgs& a) {
  Tensor y = lk::max_pool2d(x, a);
  if (c.taping()) c.tape->push([x, a](const Tensor& dy) { return lk::max_pool2d_backward(dy, x, a); });
  return y;
}

Tensor avg_pool(Context& c, const Tensor& x, const Pool2dArgs& a) {
  Tensor y = lk::avg_pool2d(x, a);
  if (c.taping()) {
    Shape xs = x.shape();
    c.tape->push([xs, a](const Tensor& dy) { return lk::avg_pool2d_backward(dy, xs, a); });
  }
  return y;
}

Tensor global_avg_pool(Context& c, const Tensor& x) {
  Tensor y = lk::global_avg_pool(x);
  if (c.taping()) {
    Shape xs = x.shape();
    c.tape->push([xs](const Tensor& dy) { return lk::global_avg_pool_backward(dy, xs); });
  }
  return y;
}

Tensor pad(Context& c, const Tensor& x, const Pad2dArgs& a) {
  Tensor y = lk::pad2d(x, a);
  if (c.taping()) c.tape->push([a](const Tensor& dy) { return lk::pad2d_backward(dy, a); });
  return y;
}

Tensor permute(Context& c, const Tensor& x, const std::vector<int>& dims) {
  Tensor y = lk::permute(x, dims);
  if (c.taping()) c.tape->push([dims](const Tensor& dy) { return lk::permute_backward(dy, dims); });
  return y;
}

Tensor reshape(Context& c, const Tensor& x, const Shape& shape) {
  Tensor y = x.reshape(shape);
  if (c.taping()) {
    Shape xs = x.shape();
    c.tape->push([xs](const Tensor& dy) { return dy.reshape(xs); });
  }
  return y;
}

Tensor pixel_normalize(Context& c, const Tensor& x, const std::vector<float>& mean, const std::vector<float>& std) {
  Tensor y = lk::pixel_normalize(x, mean, std);
  if (c.taping()) c.tape->push([std](const Tensor& dy) { return lk::pixel_normalize_backward(dy, std); });
  return y;
}

// Drop-path (stochastic depth, as timm's DropPath with scale_by_keep): sample n's branch is kept with
// probability 1 - rate and then scaled by 1 / (1 - rate). The coin is a hash of (seed, block, sample), so a
// rerun with the same seed drops the same branches whatever the thread count.
static uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static std::vector<float> drop_path_scales(const Context& c, int block, int64_t n) {
  const float rate = c.drop_path_rates[block];
  std::vector<float> s(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; i++) {
    const uint64_t h = mix64(c.drop_seed ^ mix64(static_cast<uint64_t>(block) * 0x100000001b3ull + static_cast<uint64_t>(i)));
    const double u = static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
    s[i] = u < rate ? 0.f : 1.f / (1.f - rate);
  }
  return s;
}

static Tensor scale_samples(const Tensor& t, const std::vector<float>& s) {
  if (!t.device().is_cpu()) throw NotImplemented("drop-path is implemented on cpu only, received " + t.device().str());
  Tensor y = Tensor::empty(t.shape());
  const int64_t per = t.numel() / t.dim(0);
  for (int64_t i = 0; i < t.dim(0); i++)
    for (int64_t j = 0; j < per; j++) y.data()[i * per + j] = t.data()[i * per + j] * s[i];
  return y;
}

static Tensor maybe_drop_path(Context& c, int block, const Tensor& branch_out) {
  if (!c.training || block >= static_cast<int>(c.drop_path_rates.size()) || c.drop_path_rates[block] <= 0.f)
    return branch_out;
  std::vector<float> s = drop_path_scales(c, block, branch_out.dim(0));
  if (c.taping()) c.tape->push([s](const Tensor& dy) { return scale_samples(dy, s); });
  return scale_samples(branch_out, s);
}

void record(Context& c, const std::string& name, const Tensor& x) {
  if (c.record_blocks) c.records.push_back(summarize(name, x, c.record_skip_tokens));
}

Tensor residual(Context& c, const std::string& name, const Tensor& x,
                const std::function<Tensor(Context&, const Tensor&)>& branch) {
  int index = c.block_counter++;
  if (c.skip_blocks.count(index)) {
    record(c, name, x);
    return x;  // lesion: the branch is removed, the shortcut kept (identity; gradient passes unchanged)
  }
  Tape sub;
  Tape* outer = c.tape;
  if (outer) c.tape = &sub;
  Tensor y;
  try {
    y = lk::add(x, maybe_drop_path(c, index, branch(c, x)));
  } catch (...) {
    c.tape = outer;
    throw;
  }
  c.tape = outer;
  if (outer) {
    auto steps = std::make_shared<Tape>(std::move(sub));
    outer->push([steps](const Tensor& dy) { return lk::add(dy, steps->backward(dy)); });
  }
  record(c, name, y);
  return y;
}

Tensor residual(Context& c, const std::string& name, const Tensor& x,
                const std::function<Tensor(Context&, const Tensor&)>& shortcut,
                const std::function<Tensor(Context&, const Tensor&)>& branch) {
  int index = c.block_counter++;
  const bool skip = c.skip_blocks.count(index) > 0;
  // Shortcut and branch each run on their own tape, so the input gradient is the sum of both paths.
  Tape t_short, t_branch;
  Tape* outer = c.tape;
  Tensor y;
  try {
    if (outer) c.tape = &t_short;
    y = shortcut(c, x);
    if (!skip) {
      if (outer) c.tape = &t_branch;
      y = lk::add(y, maybe_drop_path(c, index, branch(c, x)));
    }
  } catch (...) {
    c.tape = outer;
    throw;
  }
  c.tape = outer;
  if (outer) {
    auto s = std::make_shared<Tape>(std::move(t_short));
    auto b = skip ? nullptr : std::make_shared<Tape>(std::move(t_branch));
    outer->push([s, b](const Tensor& dy) {
      Tensor dx = s->backward(dy);
      return b ? lk::add(dx, b->backward(dy)) : dx;
    });
  }
  record(c, name, y);
  return y;
}

Tensor self_attention(Context& c, const Tensor& x, const Tensor& qkv_w, const Tensor& qkv_b, const Tensor& proj_w,
                      const Tensor& proj_b, int heads, bool keep_attention) {
  const int64_t B = x.dim(0), T = x.dim(1), D = x.dim(2), hd = D / heads;
  Tensor qkv = linear(c, x, qkv_w, qkv_b);                               // (B, T, 3D)
  // (B, T, 3, H, hd) -> (3, B, H, T, hd): one permute, then q, k, v are contiguous slices.
  Tensor split = permute(c, reshape(c, qkv, {B, T, 3, heads, hd}), {2, 0, 3, 1, 4});
  const int64_t part = B * heads * T * hd;
  auto slice = [&](int s) {
    return Tensor::wrap(split.data() + s * part, {B, heads, T, hd}, [keep = split](void*) {}, split.device());
  };
  Tensor q = slice(0), k = slice(1), v = slice(2);
  float scale = 1.f / std::sqrt(static_cast<float>(hd));
  AttentionOut att = lk::attention(q, k, v, scale);
  if (keep_attention) c.attention = att.probs;
  if (c.taping()) {
    c.tape->push([q, k, v, probs = att.probs, scale, part](const Tensor& dout) {
      AttentionGrads g = lk::attention_backward(dout, q, k, v, probs, scale);
      // (3, B, H, T, hd) = [dq; dk; dv]: each part padded into its third of a (1, 3, 1, part) map, then
      // summed, so the concatenation runs on the gradients' device with the public ops (no host copy).
      const Tensor parts[3] = {g.dq, g.dk, g.dv};
      Tensor d;
      for (int s = 0; s < 3; s++) {
        Pad2dArgs at;
        at.pad_t = s;
        at.pad_b = 2 - s;
        Tensor placed = lk::pad2d(parts[s].reshape({1, 1, 1, part}), at);
        d = s == 0 ? placed : lk::add(d, placed);
      }
      d = d.reshape({3, q.dim(0), q.dim(1), q.dim(2), q.dim(3)});
      return d;
    });
  }
  Tensor merged = reshape(c, permute(c, att.out, {0, 2, 1, 3}), {B, T, D});  // heads concatenated in order
  return linear(c, merged, proj_w, proj_b);
}

BlockRecord summarize(const std::string& name, const Tensor& x0, int skip_tokens) {
  Tensor x = x0.to(cpu_device());
  if (x.ndim() == 3 && skip_tokens > 0 && x.dim(1) > skip_tokens) {
    // Token maps: statistics over the patch tokens only (the released code drops the class token).
    const int64_t B0 = x.dim(0), T = x.dim(1), C0 = x.dim(2), keep = T - skip_tokens;
    Tensor patches = Tensor::empty({B0, keep, C0});
    for (int64_t b = 0; b < B0; b++)
      std::copy_n(x.data() + (b * T + skip_tokens) * C0, keep * C0, patches.data() + b * keep * C0);
    x = patches;
  }
  BlockRecord r;
  r.name = name;
  r.shape = x.shape();
  const int64_t n = x.numel();
  if (n == 0) return r;
  // Positions: NHWC → H*W per image; tokens (B, T, C) → T; (B, C) → 1.
  const int64_t B = x.dim(0), C = x.dim(-1), P = n / (B * C);
  const float* p = x.data();
  double s = 0, ss = 0;
  for (int64_t i = 0; i < n; i++) {
    s += p[i];
    ss += static_cast<double>(p[i]) * p[i];
  }
  r.mean = s / n;
  r.std = std::sqrt(std::max(0.0, ss / n - r.mean * r.mean));
  // Released definition: batch-mean map (P, C), spatial variance per channel, mean over channels.
  std::vector<double> mean_map(static_cast<size_t>(P * C), 0.0);
  for (int64_t b = 0; b < B; b++)
    for (int64_t i = 0; i < P * C; i++) mean_map[i] += p[b * P * C + i];
  for (double& m : mean_map) m /= B;
  auto spatial_var = [&](auto at) {
    double acc = 0;
    for (int64_t ch = 0; ch < C; ch++) {
      double m = 0, v = 0;
      for (int64_t q = 0; q < P; q++) m += at(q * C + ch);
      m /= P;
      for (int64_t q = 0; q < P; q++) v += (at(q * C + ch) - m) * (at(q * C + ch) - m);
      acc += v / P;
    }
    return acc / C;
  };
  r.fmap_var_batch_mean = spatial_var([&](int64_t i) { return mean_map[i]; });
  double per_image = 0;
  for (int64_t b = 0; b < B; b++) per_image += spatial_var([&](int64_t i) { return static_cast<double>(p[b * P * C + i]); });
  r.fmap_var_per_image = per_image / B;
  return r;
}

}  // namespace lk::nn
