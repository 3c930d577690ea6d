// CPU GEMM family through oneDNN's matmul primitive. Every op here is one (batched) GEMM
//   C (B, M, N) = op(X) @ op(Y) [+ bias (N)],  op(X) = X^T when X is stored transposed,
// with transposes expressed as strides (no copies). linear is a 2-D GEMM over the flattened rows of x.
#include <vector>

#include "cpu_backend.h"
#include "onednn.h"

namespace lk::cpu {

using namespace onednn;

void gemm(const float* x, bool tx, const float* y, bool ty, const float* bias, float* c, int64_t batch, int64_t m,
          int64_t n, int64_t k) {
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {  // empty sum: the bias alone
    for (int64_t i = 0; i < batch * m * n; i++) c[i] = bias ? bias[i % n] : 0.f;
    return;
  }
  const bool b3 = batch > 1;
  auto desc = [&](int64_t rows, int64_t cols, bool trans) {
    // logical (rows, cols); stored (rows, cols) or, transposed, (cols, rows)
    dims st = trans ? dims{1, rows} : dims{cols, 1};
    if (!b3) return md_strided({rows, cols}, st);
    return md_strided({batch, rows, cols}, {rows * cols, st[0], st[1]});
  };
  using Entry = Cached<dnnl::matmul::primitive_desc, dnnl::matmul>;
  std::string key = key_of("gemm", {batch, m, n, k, tx, ty, bias != nullptr});
  auto e = PrimitiveCache::instance().get<Entry>(key, [&] {
    memory::desc bmd;
    if (bias) bmd = b3 ? md({1, 1, n}, tag::abc) : md({1, n}, tag::ab);
    dnnl::matmul::desc d(desc(m, k, tx), desc(k, n, ty), bmd, desc(m, n, false));
    dnnl::matmul::primitive_desc pd(d, default_attr(), engine());
    return Entry{pd, dnnl::matmul(pd)};
  });
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, mem(e->pd.src_desc(), x)},
                                       {DNNL_ARG_WEIGHTS, mem(e->pd.weights_desc(), y)},
                                       {DNNL_ARG_DST, mem(e->pd.dst_desc(), c)}};
  if (bias) args.emplace(DNNL_ARG_BIAS, mem(e->pd.bias_desc(), bias));
  execute(e->prim, e->pd.scratchpad_desc(), std::move(args));
}

namespace {

int64_t rows_of(const Tensor& t) { return t.dim(-1) ? t.numel() / t.dim(-1) : 0; }

Shape with_last(Shape s, int64_t last) {
  s.back() = last;
  return s;
}

// ----------------------------------------------------------------------------------------------- linear
// y (R, out) = x (R, in) @ w^T + b, w stored (out, in).
Tensor linear_cpu(const Tensor& x, const Tensor& w, const Tensor& b) {
  const int64_t in = w.dim(1), out = w.dim(0);
  Shape ys = with_last(x.shape(), out);
  Tensor y = Tensor::empty(ys);
  const int64_t rows = in ? x.numel() / in : shape_numel(ys) / (out ? out : 1);
  gemm(x.data(), false, w.data(), true, b.defined() ? b.data() : nullptr, y.data(), 1, rows, out, in);
  return y;
}

// dx (R, in) = dy (R, out) @ w (out, in).
Tensor linear_backward_input_cpu(const Tensor& dy, const Tensor& w) {
  const int64_t in = w.dim(1), out = w.dim(0);
  Tensor dx = Tensor::empty(with_last(dy.shape(), in));
  const int64_t rows = out ? dy.numel() / out : shape_numel(dx.shape()) / (in ? in : 1);
  gemm(dy.data(), false, w.data(), false, nullptr, dx.data(), 1, rows, in, out);
  return dx;
}

// dw (out, in) = dy^T (out, R) @ x (R, in); db (out) = column sums of dy.
LinearGrads linear_backward_params_cpu(const Tensor& dy, const Tensor& x, bool with_bias) {
  const int64_t in = x.dim(-1), out = dy.dim(-1), rows = rows_of(x);
  LinearGrads g;
  g.dw = Tensor::empty({out, in});
  gemm(dy.data(), true, x.data(), false, nullptr, g.dw.data(), 1, out, in, rows);
  if (with_bias) {
    g.db = Tensor::empty({out});
    const float* d = dy.data();
    float* db = g.db.data();
    // Columns split across threads in blocks of 16; each block walks all rows, accumulating in double.
    const int64_t blocks = (out + 15) / 16;
#pragma omp parallel for schedule(static)
    for (int64_t blk = 0; blk < blocks; blk++) {
      const int64_t c0 = blk * 16, c1 = c0 + 16 < out ? c0 + 16 : out;
      double acc[16] = {0};
      for (int64_t r = 0; r < rows; r++)
        for (int64_t c = c0; c < c1; c++) acc[c - c0] += d[r * out + c];
      for (int64_t c = c0; c < c1; c++) db[c] = static_cast<float>(acc[c - c0]);
    }
  }
  return g;
}

// ----------------------------------------------------------------------------------------------- matmul
Tensor matmul_cpu(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  MatmulDims d = matmul_dims(a.shape(), b.shape(), ta, tb);
  Shape ys(a.shape().begin(), a.shape().end() - 2);
  ys.push_back(d.m);
  ys.push_back(d.n);
  Tensor y = Tensor::empty(ys);
  gemm(a.data(), ta, b.data(), tb, nullptr, y.data(), d.batch, d.m, d.n, d.k);
  return y;
}

// y = op(A) op(B). dA = dy op(B)^T (stored transposed when ta: op(B) dy^T); dB = op(A)^T dy (when tb: dy^T op(A)).
MatmulGrads matmul_backward_cpu(const Tensor& dy, const Tensor& a, const Tensor& b, bool ta, bool tb) {
  MatmulDims d = matmul_dims(a.shape(), b.shape(), ta, tb);
  MatmulGrads g;
  g.da = Tensor::empty(a.shape());
  g.db = Tensor::empty(b.shape());
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

void fill_matmul(Backend& b) {
  b.linear = linear_cpu;
  b.linear_backward_input = linear_backward_input_cpu;
  b.linear_backward_params = linear_backward_params_cpu;
  b.matmul = matmul_cpu;
  b.matmul_backward = matmul_backward_cpu;
}

}  // namespace lk::cpu
