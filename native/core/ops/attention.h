// Multi-head scaled dot-product attention. q, k, v: (B, heads, T, D); out (B, heads, T, D);
// probs = softmax(q k^T * scale) (B, heads, T, T), kept for the backward and for attention maps.
#pragma once
#include "../tensor.h"

namespace lk {

struct AttentionOut {
  Tensor out, probs;
};
struct AttentionGrads {
  Tensor dq, dk, dv;
};

AttentionOut attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale);
AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& probs, float scale);

}  // namespace lk
