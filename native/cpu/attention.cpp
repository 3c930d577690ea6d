// Multi-head attention through the engine's own ops: scores = q kᵀ·scale (batched GEMM), softmax over keys,
// out = probs v; the backward reuses the saved probabilities.
#include "cpu_backend.h"

namespace lk::cpu {
namespace {

AttentionOut attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale) {
  Tensor scores = lk::scale(lk::matmul(q, k, false, true), scale);  // (B, H, T, T)
  Tensor probs = lk::softmax(scores);
  return {lk::matmul(probs, v), probs};
}

AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& probs, float scale) {
  Tensor dprobs = lk::matmul(dout, v, false, true);           // (B, H, T, T)
  Tensor dv = lk::matmul(probs, dout, true, false);           // probsᵀ dout
  Tensor dscores = lk::scale(lk::softmax_backward(dprobs, probs), scale);
  Tensor dq = lk::matmul(dscores, k);                         // dS k
  Tensor dk = lk::matmul(dscores, q, true, false);            // dSᵀ q
  return {dq, dk, dv};
}

}  // namespace

void fill_attention(Backend& b) {
  b.attention = attention;
  b.attention_backward = attention_backward;
}

}  // namespace lk::cpu
