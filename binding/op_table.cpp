#include "op_table.h"

#include <cmath>

#include "core/backend.h"

namespace lkb {
namespace {

lk::Conv2dArgs conv_args(const Attrs& a) {
  lk::Conv2dArgs c;
  c.stride_h = a.i("stride_h", 1);
  c.stride_w = a.i("stride_w", 1);
  c.pad_t = a.i("pad_t", 0);
  c.pad_b = a.i("pad_b", 0);
  c.pad_l = a.i("pad_l", 0);
  c.pad_r = a.i("pad_r", 0);
  c.dil_h = a.i("dil_h", 1);
  c.dil_w = a.i("dil_w", 1);
  c.groups = a.i("groups", 1);
  return c;
}

lk::Pool2dArgs pool_args(const Attrs& a) {
  lk::Pool2dArgs p;
  p.kernel_h = a.i("kernel_h", 1);
  p.kernel_w = a.i("kernel_w", 1);
  p.stride_h = a.i("stride_h", 1);
  p.stride_w = a.i("stride_w", 1);
  p.pad_t = a.i("pad_t", 0);
  p.pad_b = a.i("pad_b", 0);
  p.pad_l = a.i("pad_l", 0);
  p.pad_r = a.i("pad_r", 0);
  p.count_include_pad = a.b("count_include_pad", true);
  return p;
}

lk::Pad2dArgs pad_args(const Attrs& a) {
  lk::Pad2dArgs p;
  p.pad_t = a.i("pad_t", 0);
  p.pad_b = a.i("pad_b", 0);
  p.pad_l = a.i("pad_l", 0);
  p.pad_r = a.i("pad_r", 0);
  p.value = a.f("value", 0.f);
  return p;
}

lk::GeluApprox gelu_approx(const Attrs& a) {
  std::string s = a.s("approx", "none");
  if (s == "none") return lk::GeluApprox::none;
  if (s == "tanh") return lk::GeluApprox::tanh;
  throw lk::ArgError("gelu: attribute `approx` expected \"none\" or \"tanh\", received \"" + s + "\"");
}

// Ops with a single tensor result, and with two or three.
#define ONE(expr) [=](const Tensors& in) -> Tensors { return {expr}; }
#define TWO(type, expr, f1, f2) \
  [=](const Tensors& in) -> Tensors { type r = expr; return {r.f1, r.f2}; }

const std::vector<OpEntry> kOps = {
    {"conv2d", 3, [](const Attrs& a) -> OpRun { auto c = conv_args(a); return ONE(lk::conv2d(in[0], in[1], in[2], c)); }},
    {"conv2d_backward_input", 2, [](const Attrs& a) -> OpRun {
       auto c = conv_args(a); auto xs = a.shape("x_shape");
       return ONE(lk::conv2d_backward_input(in[0], in[1], xs, c)); }},
    {"conv2d_backward_params", 2, [](const Attrs& a) -> OpRun {
       auto c = conv_args(a); auto ws = a.shape("w_shape"); bool wb = a.b("with_bias", false);
       return TWO(lk::ConvGrads, lk::conv2d_backward_params(in[0], in[1], ws, wb, c), dw, db); }},
    {"weight_standardize", 1, [](const Attrs& a) -> OpRun { float e = a.f("eps", 1e-8f); return ONE(lk::weight_standardize(in[0], e)); }},
    {"weight_standardize_backward", 2, [](const Attrs& a) -> OpRun {
       float e = a.f("eps", 1e-8f); return ONE(lk::weight_standardize_backward(in[0], in[1], e)); }},
    {"linear", 3, [](const Attrs&) -> OpRun { return ONE(lk::linear(in[0], in[1], in[2])); }},
    {"linear_backward_input", 2, [](const Attrs&) -> OpRun { return ONE(lk::linear_backward_input(in[0], in[1])); }},
    {"linear_backward_params", 2, [](const Attrs& a) -> OpRun {
       bool wb = a.b("with_bias", false);
       return TWO(lk::LinearGrads, lk::linear_backward_params(in[0], in[1], wb), dw, db); }},
    {"matmul", 2, [](const Attrs& a) -> OpRun {
       bool ta = a.b("trans_a", false), tb = a.b("trans_b", false); return ONE(lk::matmul(in[0], in[1], ta, tb)); }},
    {"matmul_backward", 3, [](const Attrs& a) -> OpRun {
       bool ta = a.b("trans_a", false), tb = a.b("trans_b", false);
       return TWO(lk::MatmulGrads, lk::matmul_backward(in[0], in[1], in[2], ta, tb), da, db); }},
    {"batch_norm", 5, [](const Attrs& a) -> OpRun {
       float e = a.f("eps", 1e-5f); return ONE(lk::batch_norm(in[0], in[1], in[2], in[3], in[4], e)); }},
    {"batch_norm_backward_input", 3, [](const Attrs& a) -> OpRun {
       float e = a.f("eps", 1e-5f); return ONE(lk::batch_norm_backward_input(in[0], in[1], in[2], e)); }},
    {"batch_norm_backward_params", 4, [](const Attrs& a) -> OpRun {
       float e = a.f("eps", 1e-5f);
       return TWO(lk::NormGrads, lk::batch_norm_backward_params(in[0], in[1], in[2], in[3], e), dgamma, dbeta); }},
    {"batch_norm_train", 3, [](const Attrs& a) -> OpRun {
       float e = a.f("eps", 1e-5f);
       return [=](const Tensors& in) -> Tensors {
         lk::BatchNormTrainOut r = lk::batch_norm_train(in[0], in[1], in[2], e);
         return {r.y, r.mean, r.var};
       }; }},
    {"batch_norm_train_backward", 5, [](const Attrs& a) -> OpRun {
       float e = a.f("eps", 1e-5f);
       return [=](const Tensors& in) -> Tensors {
         lk::BatchNormTrainGrads r = lk::batch_norm_train_backward(in[0], in[1], in[2], in[3], in[4], e);
         return {r.dx, r.dgamma, r.dbeta};
       }; }},
    {"layer_norm", 3, [](const Attrs& a) -> OpRun { float e = a.f("eps", 1e-6f); return ONE(lk::layer_norm(in[0], in[1], in[2], e)); }},
    {"layer_norm_backward_input", 3, [](const Attrs& a) -> OpRun {
       float e = a.f("eps", 1e-6f); return ONE(lk::layer_norm_backward_input(in[0], in[1], in[2], e)); }},
    {"layer_norm_backward_params", 2, [](const Attrs& a) -> OpRun {
       float e = a.f("eps", 1e-6f);
       return TWO(lk::NormGrads, lk::layer_norm_backward_params(in[0], in[1], e), dgamma, dbeta); }},
    {"group_norm", 3, [](const Attrs& a) -> OpRun {
       int g = a.i("groups", 32); float e = a.f("eps", 1e-5f); return ONE(lk::group_norm(in[0], g, in[1], in[2], e)); }},
    {"group_norm_backward_input", 3, [](const Attrs& a) -> OpRun {
       int g = a.i("groups", 32); float e = a.f("eps", 1e-5f);
       return ONE(lk::group_norm_backward_input(in[0], in[1], g, in[2], e)); }},
    {"group_norm_backward_params", 2, [](const Attrs& a) -> OpRun {
       int g = a.i("groups", 32); float e = a.f("eps", 1e-5f);
       return TWO(lk::NormGrads, lk::group_norm_backward_params(in[0], in[1], g, e), dgamma, dbeta); }},
    {"pixel_normalize", 1, [](const Attrs& a) -> OpRun {
       auto m = a.floats("mean"); auto s = a.floats("std"); return ONE(lk::pixel_normalize(in[0], m, s)); }},
    {"pixel_normalize_backward", 1, [](const Attrs& a) -> OpRun {
       auto s = a.floats("std"); return ONE(lk::pixel_normalize_backward(in[0], s)); }},
    {"relu", 1, [](const Attrs&) -> OpRun { return ONE(lk::relu(in[0])); }},
    {"relu_backward", 2, [](const Attrs&) -> OpRun { return ONE(lk::relu_backward(in[0], in[1])); }},
    {"gelu", 1, [](const Attrs& a) -> OpRun { auto g = gelu_approx(a); return ONE(lk::gelu(in[0], g)); }},
    {"gelu_backward", 2, [](const Attrs& a) -> OpRun { auto g = gelu_approx(a); return ONE(lk::gelu_backward(in[0], in[1], g)); }},
    {"softmax", 1, [](const Attrs&) -> OpRun { return ONE(lk::softmax(in[0])); }},
    {"softmax_backward", 2, [](const Attrs&) -> OpRun { return ONE(lk::softmax_backward(in[0], in[1])); }},
    {"add", 2, [](const Attrs&) -> OpRun { return ONE(lk::add(in[0], in[1])); }},
    {"add_backward", 1, [](const Attrs& a) -> OpRun {
       auto bs = a.shape("b_shape"); return TWO(lk::BinaryGrads, lk::add_backward(in[0], bs), da, db); }},
    {"mul", 2, [](const Attrs&) -> OpRun { return ONE(lk::mul(in[0], in[1])); }},
    {"mul_backward", 3, [](const Attrs&) -> OpRun {
       return TWO(lk::BinaryGrads, lk::mul_backward(in[0], in[1], in[2]), da, db); }},
    {"scale", 1, [](const Attrs& a) -> OpRun { float s = a.f("s", 1.f); return ONE(lk::scale(in[0], s)); }},
    {"scale_backward", 1, [](const Attrs& a) -> OpRun { float s = a.f("s", 1.f); return ONE(lk::scale_backward(in[0], s)); }},
    {"permute", 1, [](const Attrs& a) -> OpRun { auto d = a.ints("dims"); return ONE(lk::permute(in[0], d)); }},
    {"permute_backward", 1, [](const Attrs& a) -> OpRun { auto d = a.ints("dims"); return ONE(lk::permute_backward(in[0], d)); }},
    {"avg_pool2d", 1, [](const Attrs& a) -> OpRun { auto p = pool_args(a); return ONE(lk::avg_pool2d(in[0], p)); }},
    {"avg_pool2d_backward", 1, [](const Attrs& a) -> OpRun {
       auto p = pool_args(a); auto xs = a.shape("x_shape"); return ONE(lk::avg_pool2d_backward(in[0], xs, p)); }},
    {"max_pool2d", 1, [](const Attrs& a) -> OpRun { auto p = pool_args(a); return ONE(lk::max_pool2d(in[0], p)); }},
    {"max_pool2d_backward", 2, [](const Attrs& a) -> OpRun {
       auto p = pool_args(a); return ONE(lk::max_pool2d_backward(in[0], in[1], p)); }},
    {"global_avg_pool", 1, [](const Attrs&) -> OpRun { return ONE(lk::global_avg_pool(in[0])); }},
    {"global_avg_pool_backward", 1, [](const Attrs& a) -> OpRun {
       auto xs = a.shape("x_shape"); return ONE(lk::global_avg_pool_backward(in[0], xs)); }},
    {"pad2d", 1, [](const Attrs& a) -> OpRun { auto p = pad_args(a); return ONE(lk::pad2d(in[0], p)); }},
    {"pad2d_backward", 1, [](const Attrs& a) -> OpRun { auto p = pad_args(a); return ONE(lk::pad2d_backward(in[0], p)); }},
    {"attention", 3, [](const Attrs& a) -> OpRun {
       float s = a.f("scale", 0.f);
       return [=](const Tensors& in) -> Tensors {
         float sc = s > 0.f ? s : 1.f / std::sqrt(static_cast<float>(in[0].defined() ? in[0].dim(-1) : 1));
         lk::AttentionOut r = lk::attention(in[0], in[1], in[2], sc);
         return {r.out, r.probs};
       }; }},
    {"attention_backward", 5, [](const Attrs& a) -> OpRun {
       float s = a.f("scale", 0.f);
       return [=](const Tensors& in) -> Tensors {
         float sc = s > 0.f ? s : 1.f / std::sqrt(static_cast<float>(in[1].defined() ? in[1].dim(-1) : 1));
         lk::AttentionGrads r = lk::attention_backward(in[0], in[1], in[2], in[3], in[4], sc);
         return {r.dq, r.dk, r.dv};
       }; }},
    {"cross_entropy", 1, [](const Attrs& a) -> OpRun { auto l = a.ints("labels"); return ONE(lk::cross_entropy(in[0], l)); }},
    {"cross_entropy_backward", 2, [](const Attrs& a) -> OpRun {
       auto l = a.ints("labels"); return ONE(lk::cross_entropy_backward(in[0], in[1], l)); }},
};

#undef ONE
#undef TWO

}  // namespace

const std::vector<OpEntry>& op_entries() {
  // Every engine op is reachable from JS: the table and the LK_OPS list must agree.
  static const bool checked = [] {
    if (kOps.size() != static_cast<size_t>(lk::Op::COUNT)) throw std::logic_error("binding op table out of date");
    for (int i = 0; i < static_cast<int>(lk::Op::COUNT); i++)
      if (std::string(kOps[i].name) != lk::op_name(static_cast<lk::Op>(i)))
        throw std::logic_error(std::string("binding op table order: ") + kOps[i].name);
    return true;
  }();
  (void)checked;
  return kOps;
}

const OpEntry* find_op(const std::string& name) {
  for (const OpEntry& e : op_entries())
    if (name == e.name) return &e;
  return nullptr;
}

}  // namespace lkb
