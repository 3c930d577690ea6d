// Multi-head scaled dot-product attention on the CPU: q, k, v (B, heads, T, D). Every product is one batched
// GEMM over all (batch, head) pairs through oneDNN (gemm in matmul.cpp), with the row softmax and its backward
// between them (attention_kernels.inc, per ISA):
//   forward:  S = q k^T;  P = softmax(S * scale) by rows;  out = P v
//   backward: dv = P^T dout;  dP = dout v^T;  dS = P o (dP - rowsum(dP o P)) * scale;  dq = dS k;  dk = dS^T q
// (A fused per-head loop of axpys ran the products at 40-70 GFLOP/s, a quarter of ViT-B's forward.)
#include "cpu_backend.h"
#include "family_kernels.h"

namespace lk::cpu {
namespace {

// Rows of a (BH*T, T) array in parallel chunks.
template <class F>
void by_rows(int64_t rows, F&& f) {
  const int64_t chunk = 16;
#pragma omp parallel for schedule(static)
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) f(r0, rows - r0 < chunk ? rows - r0 : chunk);
}

AttentionOut attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale) {
  const int64_t BH = q.dim(0) * q.dim(1), T = q.dim(2), D = q.dim(3);
  AttentionOut r{Tensor::empty(q.shape()), Tensor::empty({q.dim(0), q.dim(1), T, T})};
  float* p = r.probs.data();
  gemm(q.data(), false, k.data(), true, nullptr, p, BH, T, T, D);
  const AttentionKernels& ker = attention_kernels();
  by_rows(BH * T, [&](int64_t r0, int64_t n) { ker.softmax_rows(p + r0 * T, n, T, scale); });
  gemm(p, false, v.data(), false, nullptr, r.out.data(), BH, T, D, T);
  return r;
}

AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& probs, float scale) {
  const int64_t BH = q.dim(0) * q.dim(1), T = q.dim(2), D = q.dim(3);
  AttentionGrads g{Tensor::empty(q.shape()), Tensor::empty(q.shape()), Tensor::empty(q.shape())};
  const float* p = probs.data();
  gemm(p, true, dout.data(), false, nullptr, g.dv.data(), BH, T, D, T);
  Tensor ds = Tensor::empty(probs.shape());  // dP, then dS in place
  gemm(dout.data(), false, v.data(), true, nullptr, ds.data(), BH, T, T, D);
  const AttentionKernels& ker = attention_kernels();
  by_rows(BH * T, [&](int64_t r0, int64_t n) { ker.softmax_backward_rows(ds.data() + r0 * T, p + r0 * T, n, T, scale); });
  gemm(ds.data(), false, k.data(), false, nullptr, g.dq.data(), BH, T, D, T);
  gemm(ds.data(), true, q.data(), false, nullptr, g.dk.data(), BH, T, D, T);
  return g;
}

}  // namespace

void fill_attention(Backend& b) {
  b.attention = attention;
  b.attention_backward = attention_backward;
}

}  // namespace lk::cpu
