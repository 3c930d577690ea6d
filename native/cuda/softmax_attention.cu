// Softmax over the last dim and multi-head attention on CUDA. Softmax: one block per row (max, exp, sum in
// double, scale); backward dx = y (dy - <dy, y>). Attention q, k, v (B, heads, T, D) as batched GEMMs
// (gemm.cuh) around the row softmax, the same factorisation as the CPU's:
//   S = q k^T * scale, P = softmax(S), out = P v;
//   dv = P^T dout, dP = dout v^T, dS = P o (dP - rowsum(dP o P)) * scale, dq = dS k, dk = dS^T q.
#include "common.cuh"
#include "gemm.cuh"

namespace lk::cuda {
namespace {

constexpr int kRowThreads = 128;

// In place allowed (y == x). dy null: y = softmax(x). Else out = y * (dy - <dy, y>) * post_scale.
__global__ void __launch_bounds__(kRowThreads) softmax_kernel(const float* x, const float* dy, float* out, int C,
                                                              float post_scale) {
  __shared__ float redf[32];
  __shared__ double red[32];
  const long long row = blockIdx.x;
  const float* xr = x + row * C;
  float* o = out + row * C;
  if (!dy) {
    float m = -INFINITY;
    for (int c = threadIdx.x; c < C; c += blockDim.x) m = fmaxf(m, xr[c]);
    m = block_max(m, redf);
    double s = 0;
    for (int c = threadIdx.x; c < C; c += blockDim.x) s += expf(xr[c] - m);
    const float inv = static_cast<float>(1.0 / block_sum(s, red));
    for (int c = threadIdx.x; c < C; c += blockDim.x) o[c] = expf(xr[c] - m) * inv;
    return;
  }
  const float* d = dy + row * C;
  double dot = 0;
  for (int c = threadIdx.x; c < C; c += blockDim.x) dot += static_cast<double>(d[c]) * xr[c];
  const float dd = static_cast<float>(block_sum(dot, red));
  for (int c = threadIdx.x; c < C; c += blockDim.x) o[c] = xr[c] * (d[c] - dd) * post_scale;
}

void softmax_rows(const float* x, const float* dy, float* out, int64_t rows, int64_t C, float post_scale) {
  if (rows == 0 || C == 0) return;
  if (rows > 0x7fffffffLL) throw std::runtime_error("cuda softmax: too many rows");
  softmax_kernel<<<static_cast<unsigned>(rows), kRowThreads, 0, current_stream()>>>(x, dy, out, static_cast<int>(C),
                                                                                     post_scale);
  check_launch();
}

int64_t rows_of(const Tensor& x) { return x.dim(-1) ? x.numel() / x.dim(-1) : 0; }

Tensor softmax(const Tensor& x) {
  DeviceScope scope(x.device().index);
  Tensor y = Tensor::empty(x.shape(), x.device());
  softmax_rows(x.data(), nullptr, y.data(), rows_of(x), x.dim(-1), 1.f);
  return y;
}

Tensor softmax_backward(const Tensor& dy, const Tensor& y) {
  DeviceScope scope(y.device().index);
  Tensor dx = Tensor::empty(y.shape(), y.device());
  softmax_rows(y.data(), dy.data(), dx.data(), rows_of(y), y.dim(-1), 1.f);
  return dx;
}

AttentionOut attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale) {
  DeviceScope scope(q.device().index);
  const int64_t BH = q.dim(0) * q.dim(1), T = q.dim(2), D = q.dim(3);
  AttentionOut r{Tensor::empty(q.shape(), q.device()), Tensor::empty({q.dim(0), q.dim(1), T, T}, q.device())};
  gemm(q.data(), false, k.data(), true, nullptr, r.probs.data(), BH, T, T, D, scale);
  softmax_rows(r.probs.data(), nullptr, r.probs.data(), BH * T, T, 1.f);
  gemm(r.probs.data(), false, v.data(), false, nullptr, r.out.data(), BH, T, D, T);
  return r;
}

AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& probs, float scale) {
  DeviceScope scope(q.device().index);
  const int64_t BH = q.dim(0) * q.dim(1), T = q.dim(2), D = q.dim(3);
  AttentionGrads g{Tensor::empty(q.shape(), q.device()), Tensor::empty(q.shape(), q.device()),
                   Tensor::empty(q.shape(), q.device())};
  gemm(probs.data(), true, dout.data(), false, nullptr, g.dv.data(), BH, T, D, T);  // dv = P^T dout
  Tensor ds = Tensor::empty(probs.shape(), q.device());
  gemm(dout.data(), false, v.data(), true, nullptr, ds.data(), BH, T, T, D);        // dP = dout v^T
  softmax_rows(probs.data(), ds.data(), ds.data(), BH * T, T, scale);              // dS, in place over dP
  gemm(ds.data(), false, k.data(), false, nullptr, g.dq.data(), BH, T, D, T);       // dq = dS k
  gemm(ds.data(), true, q.data(), false, nullptr, g.dk.data(), BH, T, D, T);        // dk = dS^T q
  return g;
}

}  // namespace

void fill_softmax_attention(Backend& b) {
  b.softmax = softmax;
  b.softmax_backward = softmax_backward;
  b.attention = attention;
  b.attention_backward = attention_backward;
}

}  // namespace lk::cuda
