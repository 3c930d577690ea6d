#include "attention.h"

#include "check.h"

#include "../profile.h"

namespace lk {

// Multiply-accumulates for the profiler: q (B, H, T, D); the forward does two T x T x D products per head (scores,
// then probabilities times values), the backward four (dV, dP, dQ, dK).
static void count_attention(Op op, const Tensor& q, int products) {
  if (!profile::enabled()) return;
  const double m = static_cast<double>(products) * q.dim(0) * q.dim(1) * q.dim(2) * q.dim(2) * q.dim(3);
  profile::add_macs(op, m, m);
}

static void qkv_args(const char* op, const Tensor& q, const Tensor& k, const Tensor& v) {
  check::rank(q, 4, op, "q");
  check::rank(k, 4, op, "k");
  check::shape_eq(k, q.shape(), op, "k");
  check::shape_eq(v, q.shape(), op, "v");
}

AttentionOut attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale) {
  qkv_args("attention", q, k, v);
  Device d = check::same_device("attention", {&q, &k, &v});
  count_attention(Op::attention, q, 2);
  return LK_IMPL(d, attention)(q, k, v, scale);
}

AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& probs, float scale) {
  qkv_args("attention_backward", q, k, v);
  check::shape_eq(dout, q.shape(), "attention_backward", "dout");
  check::shape_eq(probs, Shape{q.dim(0), q.dim(1), q.dim(2), q.dim(2)}, "attention_backward", "probs");
  Device d = check::same_device("attention_backward", {&dout, &q, &k, &v, &probs});
  count_attention(Op::attention_backward, q, 4);
  return LK_IMPL(d, attention_backward)(dout, q, k, v, probs, scale);
}

}  // namespace lk
