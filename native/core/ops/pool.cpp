#include "pool.h"

#include "check.h"

namespace lk {

Shape pool2d_output_shape(const Shape& x, const Pool2dArgs& a) {
  using check::require;
  require(x.size() == 4, "pool2d: expected x of rank 4 (N, H, W, C), received " + shape_str(x));
  require(a.kernel_h >= 1 && a.kernel_w >= 1 && a.stride_h >= 1 && a.stride_w >= 1,
          "pool2d: expected kernel and stride >= 1");
  require(a.pad_t >= 0 && a.pad_b >= 0 && a.pad_l >= 0 && a.pad_r >= 0, "pool2d: expected paddings >= 0");
  require(a.pad_t < a.kernel_h && a.pad_b < a.kernel_h && a.pad_l < a.kernel_w && a.pad_r < a.kernel_w,
          "pool2d: expected each padding smaller than the kernel (so every window holds a real pixel)");
  int64_t ph = x[1] + a.pad_t + a.pad_b, pw = x[2] + a.pad_l + a.pad_r;
  require(ph >= a.kernel_h && pw >= a.kernel_w, "pool2d: padded input " + std::to_string(ph) + "x" +
                                                    std::to_string(pw) + " is smaller than the kernel");
  return Shape{x[0], (ph - a.kernel_h) / a.stride_h + 1, (pw - a.kernel_w) / a.stride_w + 1, x[3]};
}

Tensor avg_pool2d(const Tensor& x, const Pool2dArgs& a) {
  check::defined(x, "avg_pool2d", "x");
  pool2d_output_shape(x.shape(), a);
  return LK_IMPL(x.device(), avg_pool2d)(x, a);
}

Tensor avg_pool2d_backward(const Tensor& dy, const Shape& x_shape, const Pool2dArgs& a) {
  check::shape_eq(dy, pool2d_output_shape(x_shape, a), "avg_pool2d_backward", "dy");
  return LK_IMPL(dy.device(), avg_pool2d_backward)(dy, x_shape, a);
}

Tensor max_pool2d(const Tensor& x, const Pool2dArgs& a) {
  check::defined(x, "max_pool2d", "x");
  pool2d_output_shape(x.shape(), a);
  return LK_IMPL(x.device(), max_pool2d)(x, a);
}

Tensor max_pool2d_backward(const Tensor& dy, const Tensor& x, const Pool2dArgs& a) {
  check::defined(x, "max_pool2d_backward", "x");
  check::shape_eq(dy, pool2d_output_shape(x.shape(), a), "max_pool2d_backward", "dy");
  Device d = check::same_device("max_pool2d_backward", {&dy, &x});
  return LK_IMPL(d, max_pool2d_backward)(dy, x, a);
}

Tensor global_avg_pool(const Tensor& x) {
  check::rank(x, 4, "global_avg_pool", "x");
  return LK_IMPL(x.device(), global_avg_pool)(x);
}

Tensor global_avg_pool_backward(const Tensor& dy, const Shape& x_shape) {
  check::require(x_shape.size() == 4, "global_avg_pool_backward: expected x_shape of rank 4, received " +
                                          shape_str(x_shape));
  check::shape_eq(dy, Shape{x_shape[0], x_shape[3]}, "global_avg_pool_backward", "dy");
  return LK_IMPL(dy.device(), global_avg_pool_backward)(dy, x_shape);
}

static void pad_args(const char* op, const Tensor& x, const Pad2dArgs& a) {
  check::rank(x, 4, op, "x");
  check::require(a.pad_t >= 0 && a.pad_b >= 0 && a.pad_l >= 0 && a.pad_r >= 0,
                 std::string(op) + ": expected paddings >= 0");
}

Tensor pad2d(const Tensor& x, const Pad2dArgs& a) {
  pad_args("pad2d", x, a);
  return LK_IMPL(x.device(), pad2d)(x, a);
}

Tensor pad2d_backward(const Tensor& dy, const Pad2dArgs& a) {
  pad_args("pad2d_backward", dy, a);
  check::require(dy.dim(1) > a.pad_t + a.pad_b && dy.dim(2) > a.pad_l + a.pad_r,
                 "pad2d_backward: expected dy larger than the padding, received " + shape_str(dy.shape()));
  return LK_IMPL(dy.device(), pad2d_backward)(dy, a);
}

}  // namespace lk
