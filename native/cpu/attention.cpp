// Multi-head scaled dot-product attention on the CPU: q, k, v (B, heads, T, D). One (b, head) per OpenMP
// iteration; each runs the fused per-head kernel of attention_kernels.inc (scores, row softmax, probs v; and
// the backward from the saved probs) with a private scratch buffer, so nothing (T, T)-sized is allocated
// beyond probs itself.
#include <vector>

#include "cpu_backend.h"
#include "family_kernels.h"

namespace lk::cpu {
namespace {

AttentionOut attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale) {
  const int64_t BH = q.dim(0) * q.dim(1), T = q.dim(2), D = q.dim(3);
  AttentionOut r{Tensor::empty(q.shape()), Tensor::empty({q.dim(0), q.dim(1), T, T})};
  const AttentionKernels& ker = attention_kernels();
#pragma omp parallel
  {
    std::vector<float> scratch(attention_scratch(T, D));
#pragma omp for schedule(dynamic, 1)
    for (int64_t h = 0; h < BH; h++)
      ker.forward_head(q.data() + h * T * D, k.data() + h * T * D, v.data() + h * T * D, r.out.data() + h * T * D,
                       r.probs.data() + h * T * T, T, D, scale, scratch.data());
  }
  return r;
}

AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& probs, float scale) {
  const int64_t BH = q.dim(0) * q.dim(1), T = q.dim(2), D = q.dim(3);
  AttentionGrads g{Tensor::empty(q.shape()), Tensor::empty(q.shape()), Tensor::empty(q.shape())};
  const AttentionKernels& ker = attention_kernels();
#pragma omp parallel
  {
    std::vector<float> scratch(attention_scratch(T, D));
#pragma omp for schedule(dynamic, 1)
    for (int64_t h = 0; h < BH; h++) {
      const int64_t o = h * T * D;
      ker.backward_head(dout.data() + o, q.data() + o, k.data() + o, v.data() + o, probs.data() + h * T * T,
                        g.dq.data() + o, g.dk.data() + o, g.dv.data() + o, T, D, scale, scratch.data());
    }
  }
  return g;
}

}  // namespace

void fill_attention(Backend& b) {
  b.attention = attention;
  b.attention_backward = attention_backward;
}

}  // namespace lk::cpu
