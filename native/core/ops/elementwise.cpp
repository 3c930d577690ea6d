#include "elementwise.h"

#include "check.h"

namespace lk {

static void broadcast_args(const char* op, const Tensor& a, const Shape& b) {
  check::defined(a, op, "a");
  bool same = b == a.shape();
  bool row = b.size() == 1 && a.ndim() >= 1 && b[0] == a.dim(-1);
  check::require(same || row, std::string(op) + ": expected b of shape " + shape_str(a.shape()) + " or (" +
                                  (a.ndim() ? std::to_string(a.dim(-1)) : std::string("C")) + ",), received " +
                                  shape_str(b));
}

Tensor add(const Tensor& a, const Tensor& b) {
  check::defined(b, "add", "b");
  broadcast_args("add", a, b.shape());
  Device d = check::same_device("add", {&a, &b});
  return LK_IMPL(d, add)(a, b);
}

BinaryGrads add_backward(const Tensor& dy, const Shape& b_shape) {
  broadcast_args("add_backward", dy, b_shape);
  return LK_IMPL(dy.device(), add_backward)(dy, b_shape);
}

Tensor mul(const Tensor& a, const Tensor& b) {
  check::defined(b, "mul", "b");
  broadcast_args("mul", a, b.shape());
  Device d = check::same_device("mul", {&a, &b});
  return LK_IMPL(d, mul)(a, b);
}

BinaryGrads mul_backward(const Tensor& dy, const Tensor& a, const Tensor& b) {
  check::defined(b, "mul_backward", "b");
  broadcast_args("mul_backward", a, b.shape());
  check::shape_eq(dy, a.shape(), "mul_backward", "dy");
  Device d = check::same_device("mul_backward", {&dy, &a, &b});
  return LK_IMPL(d, mul_backward)(dy, a, b);
}

Tensor scale(const Tensor& x, float s) {
  check::defined(x, "scale", "x");
  return LK_IMPL(x.device(), scale)(x, s);
}

Tensor scale_backward(const Tensor& dy, float s) {
  check::defined(dy, "scale_backward", "dy");
  return LK_IMPL(dy.device(), scale_backward)(dy, s);
}

static void permutation_args(const char* op, const Tensor& x, const std::vector<int>& dims) {
  check::defined(x, op, "x");
  std::vector<bool> seen(dims.size(), false);
  bool ok = static_cast<int>(dims.size()) == x.ndim();
  for (int d : dims) {
    if (d < 0 || d >= static_cast<int>(dims.size()) || seen[d]) ok = false;
    else seen[d] = true;
  }
  std::string got;
  for (int d : dims) got += (got.empty() ? "" : ",") + std::to_string(d);
  check::require(ok, std::string(op) + ": expected a permutation of 0.." + std::to_string(x.ndim() - 1) +
                         ", received [" + got + "]");
}

Tensor permute(const Tensor& x, const std::vector<int>& dims) {
  permutation_args("permute", x, dims);
  return LK_IMPL(x.device(), permute)(x, dims);
}

Tensor permute_backward(const Tensor& dy, const std::vector<int>& dims) {
  permutation_args("permute_backward", dy, dims);
  return LK_IMPL(dy.device(), permute_backward)(dy, dims);
}

}  // namespace lk
