#include "matmul.h"

#include "check.h"

#include "../profile.h"

namespace lk {

namespace {

// Multiply-accumulates for the profiler: `rows` rows through a (out, in) weight, forward or backward-input.
void count_linear(Op op, int64_t rows, const Tensor& w) {
  if (!profile::enabled()) return;
  const double m = static_cast<double>(rows) * w.dim(0) * w.dim(1);
  profile::add_macs(op, m, m);
}

// `products` matrix products with output shape y and inner size k.
void count_matmul(Op op, const Shape& y, int64_t k, int products) {
  if (!profile::enabled()) return;
  double m = static_cast<double>(k) * products;
  for (int64_t d : y) m *= static_cast<double>(d);
  profile::add_macs(op, m, m);
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  check::min_rank(x, 1, "linear", "x");
  check::rank(w, 2, "linear", "w");
  check::require(w.dim(1) == x.dim(-1), "linear: expected w of shape (out, " + std::to_string(x.dim(-1)) +
                                            "), received " + shape_str(w.shape()));
  if (b.defined()) check::vec(b, w.dim(0), "linear", "b");
  Device d = check::same_device("linear", {&x, &w, &b});
  count_linear(Op::linear, x.numel() / x.dim(-1), w);
  return LK_IMPL(d, linear)(x, w, b);
}

Tensor linear_backward_input(const Tensor& dy, const Tensor& w) {
  check::min_rank(dy, 1, "linear_backward_input", "dy");
  check::rank(w, 2, "linear_backward_input", "w");
  check::require(dy.dim(-1) == w.dim(0), "linear_backward_input: expected dy of shape (..., " +
                                             std::to_string(w.dim(0)) + "), received " + shape_str(dy.shape()));
  Device d = check::same_device("linear_backward_input", {&dy, &w});
  count_linear(Op::linear_backward_input, dy.numel() / dy.dim(-1), w);
  return LK_IMPL(d, linear_backward_input)(dy, w);
}

LinearGrads linear_backward_params(const Tensor& dy, const Tensor& x, bool with_bias) {
  check::min_rank(x, 1, "linear_backward_params", "x");
  check::min_rank(dy, 1, "linear_backward_params", "dy");
  check::require(x.numel() / x.dim(-1) == dy.numel() / dy.dim(-1) && x.ndim() == dy.ndim(),
                 "linear_backward_params: expected dy with the rows of x " + shape_str(x.shape()) + ", received " +
                     shape_str(dy.shape()));
  Device d = check::same_device("linear_backward_params", {&dy, &x});
  if (profile::enabled()) {
    const double m = static_cast<double>(x.numel()) * dy.dim(-1);
    profile::add_macs(Op::linear_backward_params, m, m);
  }
  return LK_IMPL(d, linear_backward_params)(dy, x, with_bias);
}

Shape matmul_output_shape(const Shape& a, const Shape& b, bool ta, bool tb) {
  using check::require;
  require(a.size() >= 2 && a.size() == b.size(), "matmul: expected a and b of equal rank >= 2, received " +
                                                     shape_str(a) + " and " + shape_str(b));
  size_t r = a.size();
  for (size_t i = 0; i + 2 < r; i++)
    require(a[i] == b[i], "matmul: expected equal batch dims, received " + shape_str(a) + " and " + shape_str(b));
  int64_t m = ta ? a[r - 1] : a[r - 2], ka = ta ? a[r - 2] : a[r - 1];
  int64_t kb = tb ? b[r - 1] : b[r - 2], n = tb ? b[r - 2] : b[r - 1];
  require(ka == kb, "matmul: inner dims differ: " + std::to_string(ka) + " vs " + std::to_string(kb) + " for " +
                        shape_str(a) + " x " + shape_str(b));
  Shape s(a.begin(), a.end() - 2);
  s.push_back(m);
  s.push_back(n);
  return s;
}

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  check::defined(a, "matmul", "a");
  check::defined(b, "matmul", "b");
  const Shape ys = matmul_output_shape(a.shape(), b.shape(), trans_a, trans_b);
  Device d = check::same_device("matmul", {&a, &b});
  count_matmul(Op::matmul, ys, a.dim(trans_a ? -2 : -1), 1);
  return LK_IMPL(d, matmul)(a, b, trans_a, trans_b);
}

MatmulGrads matmul_backward(const Tensor& dy, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  check::defined(a, "matmul_backward", "a");
  check::defined(b, "matmul_backward", "b");
  const Shape ys = matmul_output_shape(a.shape(), b.shape(), trans_a, trans_b);
  check::shape_eq(dy, ys, "matmul_backward", "dy");
  Device d = check::same_device("matmul_backward", {&dy, &a, &b});
  count_matmul(Op::matmul_backward, ys, a.dim(trans_a ? -2 : -1), 2);  // da and db
  return LK_IMPL(d, matmul_backward)(dy, a, b, trans_a, trans_b);
}

}  // namespace lk
