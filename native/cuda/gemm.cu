// The GEMM family on CUDA (linear, matmul and their backwards) over our tiled SGEMM (gemm.cuh), with the
// transposes expressed as index maps (no copies), as the CPU does with strides.
#include "gemm.cuh"

namespace lk::cuda {
namespace {

struct PlainGemm {
  const float *x, *y, *bias;
  float* c;
  long long M, N, K;
  bool tx, ty, a_k_fast, b_k_fast;
  float alpha;
  __device__ float a(long long m, long long k, int z) const { return x[z * M * K + (tx ? k * M + m : m * K + k)]; }
  __device__ float b(long long k, long long n, int z) const { return y[z * K * N + (ty ? n * K + k : k * N + n)]; }
  __device__ void store(long long m, long long n, int z, float acc) const {
    c[z * M * N + m * N + n] = alpha * acc + (bias ? bias[n] : 0.f);
  }
};

int64_t rows_of(const Tensor& t) { return t.dim(-1) ? t.numel() / t.dim(-1) : 0; }

Shape with_last(Shape s, int64_t last) {
  s.back() = last;
  return s;
}

// y (R, out) = x (R, in) @ w^T + b, w stored (out, in).
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  DeviceScope scope(x.device().index);
  const int64_t in = w.dim(1), out = w.dim(0);
  Tensor y = Tensor::empty(with_last(x.shape(), out), x.device());
  const int64_t rows = out ? y.numel() / out : 0;
  gemm(x.data(), false, w.data(), true, b.defined() ? b.data() : nullptr, y.data(), 1, rows, out, in);
  return y;
}

// dx (R, in) = dy (R, out) @ w (out, in).
Tensor linear_backward_input(const Tensor& dy, const Tensor& w) {
  DeviceScope scope(dy.device().index);
  const int64_t in = w.dim(1), out = w.dim(0);
  Tensor dx = Tensor::empty(with_last(dy.shape(), in), dy.device());
  const int64_t rows = in ? dx.numel() / in : 0;
  gemm(dy.data(), false, w.data(), false, nullptr, dx.data(), 1, rows, in, out);
  return dx;
}

// dw (out, in) = dy^T (out, R) @ x (R, in); db (out) = column sums of dy.
LinearGrads linear_backward_params(const Tensor& dy, const Tensor& x, bool with_bias) {
  DeviceScope scope(dy.device().index);
  const int64_t in = x.dim(-1), out = dy.dim(-1), rows = rows_of(x);
  LinearGrads g;
  g.dw = Tensor::empty({out, in}, dy.device());
  gemm(dy.data(), true, x.data(), false, nullptr, g.dw.data(), 1, out, in, rows);
  if (with_bias) {
    g.db = Tensor::empty({out}, dy.device());
    column_sum(dy.data(), nullptr, g.db.data(), rows, out);
  }
  return g;
}

Tensor matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  DeviceScope scope(a.device().index);
  MatmulDims d = matmul_dims(a.shape(), b.shape(), ta, tb);
  Shape ys(a.shape().begin(), a.shape().end() - 2);
  ys.push_back(d.m);
  ys.push_back(d.n);
  Tensor y = Tensor::empty(ys, a.device());
  gemm(a.data(), ta, b.data(), tb, nullptr, y.data(), d.batch, d.m, d.n, d.k);
  return y;
}

// y = op(A) op(B): dA = dy op(B)^T (when ta: op(B) dy^T); dB = op(A)^T dy (when tb: dy^T op(A)).
MatmulGrads matmul_backward(const Tensor& dy, const Tensor& a, const Tensor& b, bool ta, bool tb) {
  DeviceScope scope(dy.device().index);
  MatmulDims d = matmul_dims(a.shape(), b.shape(), ta, tb);
  MatmulGrads g{Tensor::empty(a.shape(), a.device()), Tensor::empty(b.shape(), b.device())};
  if (!ta)
    gemm(dy.data(), false, b.data(), !tb, nullptr, g.da.data(), d.batch, d.m, d.k, d.n);
  else
    gemm(b.data(), tb, dy.data(), true, nullptr, g.da.data(), d.batch, d.k, d.m, d.n);
  if (!tb)
    gemm(a.data(), !ta, dy.data(), false, nullptr, g.db.data(), d.batch, d.k, d.n, d.m);
  else
    gemm(dy.data(), true, a.data(), ta, nullptr, g.db.data(), d.batch, d.n, d.k, d.m);
  return g;
}

}  // namespace

void gemm(const float* x, bool tx, const float* y, bool ty, const float* bias, float* c, int64_t batch, int64_t m,
          int64_t n, int64_t k, float alpha) {
  PlainGemm p{x, y, bias, c, m, n, k, tx, ty, !tx, ty, alpha};
  launch_tiled_gemm(p, static_cast<int>(batch));
}

void fill_gemm(Backend& b) {
  b.linear = linear;
  b.linear_backward_input = linear_backward_input;
  b.linear_backward_params = linear_backward_params;
  b.matmul = matmul;
  b.matmul_backward = matmul_backward;
}

}  // namespace lk::cuda
