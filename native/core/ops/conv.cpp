#include "conv.h"

#include "check.h"

#include "../profile.h"

namespace lk {

Shape conv2d_output_shape(const Shape& x, const Shape& w, const Conv2dArgs& a) {
  using check::require;
  require(x.size() == 4, "conv2d: expected x of rank 4 (N, H, W, C), received " + shape_str(x));
  require(w.size() == 4, "conv2d: expected w of rank 4 (Cout, Cin/groups, KH, KW), received " + shape_str(w));
  require(a.groups >= 1, "conv2d: expected groups >= 1, received " + std::to_string(a.groups));
  require(a.stride_h >= 1 && a.stride_w >= 1 && a.dil_h >= 1 && a.dil_w >= 1,
          "conv2d: expected strides and dilations >= 1");
  require(a.pad_t >= 0 && a.pad_b >= 0 && a.pad_l >= 0 && a.pad_r >= 0, "conv2d: expected paddings >= 0");
  int64_t cin = x[3], cout = w[0];
  require(cin % a.groups == 0 && cout % a.groups == 0,
          "conv2d: expected channels divisible by groups=" + std::to_string(a.groups) + ", received Cin=" +
              std::to_string(cin) + ", Cout=" + std::to_string(cout));
  require(w[1] == cin / a.groups, "conv2d: expected w.shape[1] = Cin/groups = " + std::to_string(cin / a.groups) +
                                      ", received w " + shape_str(w));
  int64_t eh = (w[2] - 1) * a.dil_h + 1, ew = (w[3] - 1) * a.dil_w + 1;
  int64_t ph = x[1] + a.pad_t + a.pad_b, pw = x[2] + a.pad_l + a.pad_r;
  require(ph >= eh && pw >= ew, "conv2d: padded input " + std::to_string(ph) + "x" + std::to_string(pw) +
                                    " is smaller than the dilated kernel " + std::to_string(eh) + "x" +
                                    std::to_string(ew));
  return Shape{x[0], (ph - eh) / a.stride_h + 1, (pw - ew) / a.stride_w + 1, cout};
}

namespace {

// The op's multiply-accumulates for the profiler (the same for forward, backward-input and backward-weights).
void count_conv(Op op, const Shape& x, const Shape& w, const Shape& y, const Conv2dArgs& a) {
  if (!profile::enabled()) return;
  const auto m = profile::conv2d_macs(x[0], x[1], x[2], x[3], w[0], a.groups, w[2], w[3], y[1], y[2], a.stride_h,
                                      a.stride_w, a.dil_h, a.dil_w, a.pad_t, a.pad_l);
  profile::add_macs(op, m.valid, m.dense);
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dArgs& a) {
  check::defined(x, "conv2d", "x");
  check::defined(w, "conv2d", "w");
  const Shape ys = conv2d_output_shape(x.shape(), w.shape(), a);
  if (b.defined()) check::vec(b, w.dim(0), "conv2d", "b");
  Device d = check::same_device("conv2d", {&x, &w, &b});
  count_conv(Op::conv2d, x.shape(), w.shape(), ys, a);
  return LK_IMPL(d, conv2d)(x, w, b, a);
}

Tensor conv2d_backward_input(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dArgs& a) {
  check::defined(w, "conv2d_backward_input", "w");
  Shape ys = conv2d_output_shape(x_shape, w.shape(), a);
  check::shape_eq(dy, ys, "conv2d_backward_input", "dy");
  Device d = check::same_device("conv2d_backward_input", {&dy, &w});
  count_conv(Op::conv2d_backward_input, x_shape, w.shape(), ys, a);
  return LK_IMPL(d, conv2d_backward_input)(dy, w, x_shape, a);
}

ConvGrads conv2d_backward_params(const Tensor& dy, const Tensor& x, const Shape& w_shape, bool with_bias,
                                 const Conv2dArgs& a) {
  check::defined(x, "conv2d_backward_params", "x");
  Shape ys = conv2d_output_shape(x.shape(), w_shape, a);
  check::shape_eq(dy, ys, "conv2d_backward_params", "dy");
  Device d = check::same_device("conv2d_backward_params", {&dy, &x});
  count_conv(Op::conv2d_backward_params, x.shape(), w_shape, ys, a);
  return LK_IMPL(d, conv2d_backward_params)(dy, x, w_shape, with_bias, a);
}

Tensor weight_standardize(const Tensor& w, float eps) {
  check::min_rank(w, 2, "weight_standardize", "w");
  return LK_IMPL(w.device(), weight_standardize)(w, eps);
}

Tensor weight_standardize_backward(const Tensor& dwstd, const Tensor& w, float eps) {
  check::min_rank(w, 2, "weight_standardize_backward", "w");
  check::shape_eq(dwstd, w.shape(), "weight_standardize_backward", "dwstd");
  Device d = check::same_device("weight_standardize_backward", {&dwstd, &w});
  return LK_IMPL(d, weight_standardize_backward)(dwstd, w, eps);
}

}  // namespace lk
