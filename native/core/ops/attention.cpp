#include "attention.h"

#include "check.h"

namespace lk {

static void qkv_args(const char* op, const Tensor& q, const Tensor& k, const Tensor& v) {
  check::rank(q, 4, op, "q");
  check::rank(k, 4, op, "k");
  check::shape_eq(k, q.shape(), op, "k");
  check::shape_eq(v, q.shape(), op, "v");
}

AttentionOut attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale) {
  qkv_args("attention", q, k, v);
  Device d = check::same_device("attention", {&q, &k, &v});
  return LK_IMPL(d, attention)(q, k, v, scale);
}

AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& probs, float scale) {
  qkv_args("attention_backward", q, k, v);
  check::shape_eq(dout, q.shape(), "attention_backward", "dout");
  check::shape_eq(probs, Shape{q.dim(0), q.dim(1), q.dim(2), q.dim(2)}, "attention_backward", "probs");
  Device d = check::same_device("attention_backward", {&dout, &q, &k, &v, &probs});
  return LK_IMPL(d, attention_backward)(dout, q, k, v, probs, scale);
}

}  // namespace lk
