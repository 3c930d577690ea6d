#include "norm.h"

#include "check.h"

namespace lk {

static void channel_vecs(const char* op, const Tensor& x, std::initializer_list<std::pair<const Tensor*, const char*>> vs) {
  for (auto& [t, name] : vs) check::vec(*t, x.dim(-1), op, name);
}

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& mean, const Tensor& var,
                  float eps) {
  check::min_rank(x, 1, "batch_norm", "x");
  channel_vecs("batch_norm", x, {{&gamma, "gamma"}, {&beta, "beta"}, {&mean, "mean"}, {&var, "var"}});
  Device d = check::same_device("batch_norm", {&x, &gamma, &beta, &mean, &var});
  return LK_IMPL(d, batch_norm)(x, gamma, beta, mean, var, eps);
}

Tensor batch_norm_backward_input(const Tensor& dy, const Tensor& gamma, const Tensor& var, float eps) {
  check::min_rank(dy, 1, "batch_norm_backward_input", "dy");
  channel_vecs("batch_norm_backward_input", dy, {{&gamma, "gamma"}, {&var, "var"}});
  Device d = check::same_device("batch_norm_backward_input", {&dy, &gamma, &var});
  return LK_IMPL(d, batch_norm_backward_input)(dy, gamma, var, eps);
}

NormGrads batch_norm_backward_params(const Tensor& dy, const Tensor& x, const Tensor& mean, const Tensor& var,
                                     float eps) {
  check::min_rank(x, 1, "batch_norm_backward_params", "x");
  check::shape_eq(dy, x.shape(), "batch_norm_backward_params", "dy");
  channel_vecs("batch_norm_backward_params", x, {{&mean, "mean"}, {&var, "var"}});
  Device d = check::same_device("batch_norm_backward_params", {&dy, &x, &mean, &var});
  return LK_IMPL(d, batch_norm_backward_params)(dy, x, mean, var, eps);
}

BatchNormTrainOut batch_norm_train(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  check::min_rank(x, 2, "batch_norm_train", "x");
  check::require(x.numel() / x.dim(-1) >= 2, "batch_norm_train: expected more than one value per channel, received x " +
                                                 shape_str(x.shape()));
  channel_vecs("batch_norm_train", x, {{&gamma, "gamma"}, {&beta, "beta"}});
  Device d = check::same_device("batch_norm_train", {&x, &gamma, &beta});
  return LK_IMPL(d, batch_norm_train)(x, gamma, beta, eps);
}

BatchNormTrainGrads batch_norm_train_backward(const Tensor& dy, const Tensor& x, const Tensor& gamma,
                                              const Tensor& mean, const Tensor& var, float eps) {
  check::min_rank(x, 2, "batch_norm_train_backward", "x");
  check::shape_eq(dy, x.shape(), "batch_norm_train_backward", "dy");
  channel_vecs("batch_norm_train_backward", x, {{&gamma, "gamma"}, {&mean, "mean"}, {&var, "var"}});
  Device d = check::same_device("batch_norm_train_backward", {&dy, &x, &gamma, &mean, &var});
  return LK_IMPL(d, batch_norm_train_backward)(dy, x, gamma, mean, var, eps);
}

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  check::min_rank(x, 1, "layer_norm", "x");
  channel_vecs("layer_norm", x, {{&gamma, "gamma"}, {&beta, "beta"}});
  Device d = check::same_device("layer_norm", {&x, &gamma, &beta});
  return LK_IMPL(d, layer_norm)(x, gamma, beta, eps);
}

Tensor layer_norm_backward_input(const Tensor& dy, const Tensor& x, const Tensor& gamma, float eps) {
  check::min_rank(x, 1, "layer_norm_backward_input", "x");
  check::shape_eq(dy, x.shape(), "layer_norm_backward_input", "dy");
  channel_vecs("layer_norm_backward_input", x, {{&gamma, "gamma"}});
  Device d = check::same_device("layer_norm_backward_input", {&dy, &x, &gamma});
  return LK_IMPL(d, layer_norm_backward_input)(dy, x, gamma, eps);
}

NormGrads layer_norm_backward_params(const Tensor& dy, const Tensor& x, float eps) {
  check::min_rank(x, 1, "layer_norm_backward_params", "x");
  check::shape_eq(dy, x.shape(), "layer_norm_backward_params", "dy");
  Device d = check::same_device("layer_norm_backward_params", {&dy, &x});
  return LK_IMPL(d, layer_norm_backward_params)(dy, x, eps);
}

static void group_args(const char* op, const Tensor& x, int groups) {
  check::rank(x, 4, op, "x");
  check::require(groups >= 1 && x.dim(3) % groups == 0, std::string(op) + ": expected groups dividing C=" +
                                                            std::to_string(x.dim(3)) + ", received groups=" +
                                                            std::to_string(groups));
}

Tensor group_norm(const Tensor& x, int groups, const Tensor& gamma, const Tensor& beta, float eps) {
  group_args("group_norm", x, groups);
  channel_vecs("group_norm", x, {{&gamma, "gamma"}, {&beta, "beta"}});
  Device d = check::same_device("group_norm", {&x, &gamma, &beta});
  return LK_IMPL(d, group_norm)(x, groups, gamma, beta, eps);
}

Tensor group_norm_backward_input(const Tensor& dy, const Tensor& x, int groups, const Tensor& gamma, float eps) {
  group_args("group_norm_backward_input", x, groups);
  check::shape_eq(dy, x.shape(), "group_norm_backward_input", "dy");
  channel_vecs("group_norm_backward_input", x, {{&gamma, "gamma"}});
  Device d = check::same_device("group_norm_backward_input", {&dy, &x, &gamma});
  return LK_IMPL(d, group_norm_backward_input)(dy, x, groups, gamma, eps);
}

NormGrads group_norm_backward_params(const Tensor& dy, const Tensor& x, int groups, float eps) {
  group_args("group_norm_backward_params", x, groups);
  check::shape_eq(dy, x.shape(), "group_norm_backward_params", "dy");
  Device d = check::same_device("group_norm_backward_params", {&dy, &x});
  return LK_IMPL(d, group_norm_backward_params)(dy, x, groups, eps);
}

static void pixel_args(const char* op, const Tensor& x, const std::vector<float>& a, const char* name) {
  check::min_rank(x, 1, op, "x");
  check::require(static_cast<int64_t>(a.size()) == x.dim(-1), std::string(op) + ": expected " + name + " of length " +
                                                                   std::to_string(x.dim(-1)) + ", received " +
                                                                   std::to_string(a.size()));
}

Tensor pixel_normalize(const Tensor& x, const std::vector<float>& mean, const std::vector<float>& std) {
  pixel_args("pixel_normalize", x, mean, "mean");
  pixel_args("pixel_normalize", x, std, "std");
  for (float s : std) check::require(s > 0.f, "pixel_normalize: expected std > 0, received " + std::to_string(s));
  return LK_IMPL(x.device(), pixel_normalize)(x, mean, std);
}

Tensor pixel_normalize_backward(const Tensor& dy, const std::vector<float>& std) {
  pixel_args("pixel_normalize_backward", dy, std, "std");
  return LK_IMPL(dy.device(), pixel_normalize_backward)(dy, std);
}

}  // namespace lk
