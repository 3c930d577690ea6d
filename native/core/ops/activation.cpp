#include "activation.h"

#include "check.h"

namespace lk {

Tensor relu(const Tensor& x) {
  check::defined(x, "relu", "x");
  return LK_IMPL(x.device(), relu)(x);
}

Tensor relu_backward(const Tensor& dy, const Tensor& x) {
  check::defined(x, "relu_backward", "x");
  check::shape_eq(dy, x.shape(), "relu_backward", "dy");
  Device d = check::same_device("relu_backward", {&dy, &x});
  return LK_IMPL(d, relu_backward)(dy, x);
}

Tensor gelu(const Tensor& x, GeluApprox approx) {
  check::defined(x, "gelu", "x");
  return LK_IMPL(x.device(), gelu)(x, approx);
}

Tensor gelu_backward(const Tensor& dy, const Tensor& x, GeluApprox approx) {
  check::defined(x, "gelu_backward", "x");
  check::shape_eq(dy, x.shape(), "gelu_backward", "dy");
  Device d = check::same_device("gelu_backward", {&dy, &x});
  return LK_IMPL(d, gelu_backward)(dy, x, approx);
}

Tensor softmax(const Tensor& x) {
  check::min_rank(x, 1, "softmax", "x");
  return LK_IMPL(x.device(), softmax)(x);
}

Tensor softmax_backward(const Tensor& dy, const Tensor& y) {
  check::min_rank(y, 1, "softmax_backward", "y");
  check::shape_eq(dy, y.shape(), "softmax_backward", "dy");
  Device d = check::same_device("softmax_backward", {&dy, &y});
  return LK_IMPL(d, softmax_backward)(dy, y);
}

}  // namespace lk
