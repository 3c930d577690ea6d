#include "loss.h"

#include "check.h"

namespace lk {

static void label_args(const char* op, const Tensor& logits, const std::vector<int>& labels) {
  check::rank(logits, 2, op, "logits");
  check::require(static_cast<int64_t>(labels.size()) == logits.dim(0),
                 std::string(op) + ": expected " + std::to_string(logits.dim(0)) + " labels, received " +
                     std::to_string(labels.size()));
  for (int l : labels)
    check::require(l >= 0 && l < logits.dim(1), std::string(op) + ": expected labels in [0, " +
                                                    std::to_string(logits.dim(1)) + "), received " + std::to_string(l));
}

Tensor cross_entropy(const Tensor& logits, const std::vector<int>& labels) {
  label_args("cross_entropy", logits, labels);
  return LK_IMPL(logits.device(), cross_entropy)(logits, labels);
}

Tensor cross_entropy_backward(const Tensor& dloss, const Tensor& logits, const std::vector<int>& labels) {
  label_args("cross_entropy_backward", logits, labels);
  check::vec(dloss, logits.dim(0), "cross_entropy_backward", "dloss");
  Device d = check::same_device("cross_entropy_backward", {&dloss, &logits});
  return LK_IMPL(d, cross_entropy_backward)(dloss, logits, labels);
}

}  // namespace lk
