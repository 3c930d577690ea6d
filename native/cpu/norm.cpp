// Normalisation ops on the CPU, channels last. Statistics in double (two-pass); OpenMP over rows (layer norm,
// affine maps; group norm sums per channel in per-thread accumulators, then per group). The per-row hot loops
// are the ISA kernels of norm_kernels.inc.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu_backend.h"
#include "family_kernels.h"

namespace lk::cpu {
namespace {

int64_t rows_of(const Tensor& x) { return x.dim(-1) ? x.numel() / x.dim(-1) : 0; }

// Rows per OpenMP chunk so that a chunk holds ~16k values (small C would otherwise be all overhead).
int64_t row_block(int64_t C) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)); }

// y = (x - sub[c]) * sc[c] + add[c] over rows, in parallel blocks of rows. (Subtracting first keeps
// x close to sub exact; folding it into the shift would cancel badly when sc is large.)
Tensor affine(const Tensor& x, const std::vector<float>& sub, const std::vector<float>& sc,
              const std::vector<float>& add) {
  const int64_t C = x.dim(-1), R = rows_of(x), blk = row_block(C);
  Tensor y = Tensor::empty(x.shape());
  const NormKernels& k = norm_kernels();
  const float* xp = x.data();
  float* yp = y.data();
#pragma omp parallel for schedule(static)
  for (int64_t r0 = 0; r0 < R; r0 += blk)
    k.affine_rows(xp + r0 * C, sub.data(), sc.data(), add.data(), yp + r0 * C, std::min(blk, R - r0), C);
  return y;
}

// Per-channel sums over all rows, in double: dg += dy * (x - mean[c]) (when x given), db += dy.
void channel_sums(const Tensor& dy, const Tensor* x, const float* mean, std::vector<double>& dg,
                  std::vector<double>& db) {
  const int64_t C = dy.dim(-1), R = rows_of(dy);
  dg.assign(C, 0.0);
  db.assign(C, 0.0);
#pragma omp parallel
  {
    std::vector<double> lg(C, 0.0), lb(C, 0.0);
#pragma omp for schedule(static) nowait
    for (int64_t r = 0; r < R; r++) {
      const float* d = dy.data() + r * C;
      const float* xr = x ? x->data() + r * C : nullptr;
      for (int64_t c = 0; c < C; c++) {
        lb[c] += d[c];
        if (xr) lg[c] += static_cast<double>(d[c]) * (static_cast<double>(xr[c]) - mean[c]);
      }
    }
#pragma omp critical
    for (int64_t c = 0; c < C; c++) {
      dg[c] += lg[c];
      db[c] += lb[c];
    }
  }
}

NormGrads to_grads(const std::vector<double>& dg, const std::vector<double>& db) {
  const int64_t C = static_cast<int64_t>(dg.size());
  NormGrads out{Tensor::empty({C}), Tensor::empty({C})};
  for (int64_t c = 0; c < C; c++) {
    out.dgamma.data()[c] = static_cast<float>(dg[c]);
    out.dbeta.data()[c] = static_cast<float>(db[c]);
  }
  return out;
}

// ---- batch norm (inference): y = (x - mean) / sqrt(var + eps) * gamma + beta ----

std::vector<double> bn_rstd(const Tensor& var, float eps) {
  std::vector<double> r(var.numel());
  for (size_t c = 0; c < r.size(); c++) r[c] = 1.0 / std::sqrt(static_cast<double>(var.data()[c]) + eps);
  return r;
}

Tensor batch_norm(const Tensor& x, const Tensor& g, const Tensor& b, const Tensor& mean, const Tensor& var, float eps) {
  const int64_t C = x.dim(-1);
  std::vector<double> rs = bn_rstd(var, eps);
  std::vector<float> sc(C);
  for (int64_t c = 0; c < C; c++) sc[c] = static_cast<float>(g.data()[c] * rs[c]);
  return affine(x, std::vector<float>(mean.data(), mean.data() + C), sc, std::vector<float>(b.data(), b.data() + C));
}

Tensor batch_norm_backward_input(const Tensor& dy, const Tensor& g, const Tensor& var, float eps) {
  const int64_t C = dy.dim(-1);
  std::vector<double> rs = bn_rstd(var, eps);
  std::vector<float> sc(C), zero(C, 0.f);
  for (int64_t c = 0; c < C; c++) sc[c] = static_cast<float>(g.data()[c] * rs[c]);
  return affine(dy, zero, sc, zero);
}

NormGrads batch_norm_backward_params(const Tensor& dy, const Tensor& x, const Tensor& mean, const Tensor& var,
                                     float eps) {
  std::vector<double> rs = bn_rstd(var, eps), dg, db;
  channel_sums(dy, &x, mean.data(), dg, db);
  for (size_t c = 0; c < dg.size(); c++) dg[c] *= rs[c];
  return to_grads(dg, db);
}

// ---- batch norm (training): statistics of the batch, two passes in double ----

BatchNormTrainOut batch_norm_train(const Tensor& x, const Tensor& g, const Tensor& b, float eps) {
  const int64_t C = x.dim(-1), R = rows_of(x);
  std::vector<double> sum, unused;
  channel_sums(x, nullptr, nullptr, unused, sum);  // sum of x per channel
  std::vector<float> mean(C);
  for (int64_t c = 0; c < C; c++) mean[c] = static_cast<float>(sum[c] / R);
  // Second pass about the mean: sum x * (x - mean) = sum (x - mean)^2 (the sum of x - mean is zero).
  std::vector<double> sq;
  channel_sums(x, &x, mean.data(), sq, unused);
  BatchNormTrainOut out{Tensor(), Tensor::empty({C}), Tensor::empty({C})};
  for (int64_t c = 0; c < C; c++) {
    out.mean.data()[c] = mean[c];
    out.var.data()[c] = static_cast<float>(std::max(0.0, sq[c] - (sum[c] - double(mean[c]) * R) * mean[c]) / R);
  }
  out.y = cpu::batch_norm(x, g, b, out.mean, out.var, eps);  // qualified: ADL would also find lk::batch_norm
  return out;
}

BatchNormTrainGrads batch_norm_train_backward(const Tensor& dy, const Tensor& x, const Tensor& g, const Tensor& mean,
                                              const Tensor& var, float eps) {
  const int64_t C = dy.dim(-1), R = rows_of(dy), blk = row_block(C);
  std::vector<double> rs = bn_rstd(var, eps), dg, db;
  channel_sums(dy, &x, mean.data(), dg, db);  // dg = sum dy * (x - mean), db = sum dy
  // dx = a * dy + s * (x - mean) + t per channel.
  std::vector<float> a(C), s(C), t(C);
  for (int64_t c = 0; c < C; c++) {
    const double gr = g.data()[c] * rs[c];
    a[c] = static_cast<float>(gr);
    s[c] = static_cast<float>(-gr * rs[c] * rs[c] * dg[c] / R);
    t[c] = static_cast<float>(-gr * db[c] / R);
    dg[c] *= rs[c];
  }
  BatchNormTrainGrads out;
  out.dx = Tensor::empty(dy.shape());
  const float *dp = dy.data(), *xp = x.data(), *mp = mean.data();
  float* op = out.dx.data();
#pragma omp parallel for schedule(static)
  for (int64_t r0 = 0; r0 < R; r0 += blk) {
    const int64_t r1 = std::min(R, r0 + blk);
    for (int64_t r = r0; r < r1; r++)
      for (int64_t c = 0; c < C; c++) {
        const int64_t i = r * C + c;
        op[i] = a[c] * dp[i] + s[c] * (xp[i] - mp[c]) + t[c];
      }
  }
  NormGrads pg = to_grads(dg, db);
  out.dgamma = pg.dgamma;
  out.dbeta = pg.dbeta;
  return out;
}

// ---- layer norm over the last dim ----

Tensor layer_norm(const Tensor& x, const Tensor& g, const Tensor& b, float eps) {
  const int64_t C = x.dim(-1), R = rows_of(x);
  Tensor y = Tensor::empty(x.shape());
  const NormKernels& k = norm_kernels();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < R; r++) k.ln_row(x.data() + r * C, g.data(), b.data(), y.data() + r * C, C, eps);
  return y;
}

Tensor layer_norm_backward_input(const Tensor& dy, const Tensor& x, const Tensor& g, float eps) {
  const int64_t C = x.dim(-1), R = rows_of(x);
  Tensor dx = Tensor::empty(x.shape());
  const NormKernels& k = norm_kernels();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < R; r++)
    k.ln_backward_row(dy.data() + r * C, x.data() + r * C, g.data(), dx.data() + r * C, C, eps);
  return dx;
}

NormGrads layer_norm_backward_params(const Tensor& dy, const Tensor& x, float eps) {
  const int64_t C = x.dim(-1), R = rows_of(x);
  std::vector<double> dg(C, 0.0), db(C, 0.0);
  const NormKernels& k = norm_kernels();
#pragma omp parallel
  {
    std::vector<double> lg(C, 0.0), lb(C, 0.0);
#pragma omp for schedule(static) nowait
    for (int64_t r = 0; r < R; r++) k.ln_params_row(dy.data() + r * C, x.data() + r * C, lg.data(), lb.data(), C, eps);
#pragma omp critical
    for (int64_t c = 0; c < C; c++) {
      dg[c] += lg[c];
      db[c] += lb[c];
    }
  }
  return to_grads(dg, db);
}

// ---- group norm: x (N, H, W, C); statistics per (n, group) over H, W and the group's C/G channels ----

struct GroupGeom {
  int64_t N, P, C, G, cg;
  int64_t at(int64_t n, int64_t p, int64_t ch) const { return (n * P + p) * C + ch; }
};
GroupGeom geom(const Tensor& x, int groups) { return {x.dim(0), x.dim(1) * x.dim(2), x.dim(3), groups, x.dim(3) / groups}; }

// Sums over the pixels of each image, per channel: acc[n * C + c] += f(n, row, c) for every row (pixel) of
// image n. Rows are walked in memory order (contiguous C-vectors that vectorise) and split across threads,
// each with its own accumulators, so one image still uses every thread. (Walking one group at a time would
// stride through the whole map G times.)
template <class F>
std::vector<double> sum_per_channel(const GroupGeom& q, F f) {
  std::vector<double> acc(q.N * q.C, 0.0);
  const int64_t rows = q.N * q.P;
#pragma omp parallel
  {
    std::vector<double> local(q.N * q.C, 0.0);
#pragma omp for schedule(static) nowait
    for (int64_t r = 0; r < rows; r++) {
      const int64_t n = r / q.P;
      double* a = local.data() + n * q.C;
      for (int64_t c = 0; c < q.C; c++) a[c] += f(n, r, c);
    }
#pragma omp critical
    for (size_t i = 0; i < acc.size(); i++) acc[i] += local[i];
  }
  return acc;
}

// Per-channel sums -> per-(n, group) sums, index n * G + grp.
std::vector<double> group_sums(const GroupGeom& q, const std::vector<double>& per_channel) {
  std::vector<double> out(q.N * q.G, 0.0);
  for (int64_t n = 0; n < q.N; n++)
    for (int64_t c = 0; c < q.C; c++) out[n * q.G + c / q.cg] += per_channel[n * q.C + c];
  return out;
}

// mean and 1/sqrt(var + eps) of every (n, group), two-pass in double; index n * G + grp.
void group_stats(const float* x, const GroupGeom& q, float eps, std::vector<double>& mean, std::vector<double>& rstd) {
  const double cnt = static_cast<double>(q.P * q.cg);
  mean = group_sums(q, sum_per_channel(q, [x, &q](int64_t, int64_t r, int64_t c) { return static_cast<double>(x[r * q.C + c]); }));
  for (double& m : mean) m /= cnt;
  std::vector<double> mc(q.N * q.C);  // each channel's group mean
  for (int64_t n = 0; n < q.N; n++)
    for (int64_t c = 0; c < q.C; c++) mc[n * q.C + c] = mean[n * q.G + c / q.cg];
  const std::vector<double> var = group_sums(q, sum_per_channel(q, [x, &q, &mc](int64_t n, int64_t r, int64_t c) {
    const double d = x[r * q.C + c] - mc[n * q.C + c];
    return d * d;
  }));
  rstd.resize(q.N * q.G);
  for (size_t j = 0; j < rstd.size(); j++) rstd[j] = 1.0 / std::sqrt(var[j] / cnt + eps);
}

Tensor group_norm(const Tensor& x, int groups, const Tensor& g, const Tensor& b, float eps) {
  const GroupGeom q = geom(x, groups);
  std::vector<double> mean, rstd;
  group_stats(x.data(), q, eps, mean, rstd);
  // y = (x - mean) * sc[c] + beta[c] with sc = gamma * rstd (group of c), in double, so a group with a tiny
  // variance (large rstd) loses nothing to cancellation.
  std::vector<double> sc(q.N * q.C), mu(q.N * q.C);
  for (int64_t n = 0; n < q.N; n++)
    for (int64_t c = 0; c < q.C; c++) {
      const int64_t j = n * q.G + c / q.cg;
      sc[n * q.C + c] = g.data()[c] * rstd[j];
      mu[n * q.C + c] = mean[j];
    }
  Tensor y = Tensor::empty(x.shape());
  const float *xd = x.data(), *bd = b.data();
  float* yd = y.data();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < q.N * q.P; r++) {
    const int64_t n = r / q.P;
    const double *s = sc.data() + n * q.C, *m = mu.data() + n * q.C;
    const float* xp = xd + r * q.C;
    float* yp = yd + r * q.C;
    for (int64_t c = 0; c < q.C; c++) yp[c] = static_cast<float>((xp[c] - m[c]) * s[c] + bd[c]);
  }
  return y;
}

// dx = rstd * (dxh - mean(dxh) - xhat * mean(dxh * xhat)) over each (n, group), dxh = dy * gamma.
Tensor group_norm_backward_input(const Tensor& dy, const Tensor& x, int groups, const Tensor& g, float eps) {
  const GroupGeom q = geom(x, groups);
  std::vector<double> mean, rstd;
  group_stats(x.data(), q, eps, mean, rstd);
  const double cnt = static_cast<double>(q.P * q.cg);
  const float *xd = x.data(), *dd = dy.data(), *gd = g.data();
  std::vector<double> mc(q.N * q.C), rc(q.N * q.C);  // each channel's group mean and rstd
  for (int64_t n = 0; n < q.N; n++)
    for (int64_t c = 0; c < q.C; c++) {
      mc[n * q.C + c] = mean[n * q.G + c / q.cg];
      rc[n * q.C + c] = rstd[n * q.G + c / q.cg];
    }
  std::vector<double> s1 = group_sums(q, sum_per_channel(q, [dd, gd, &q](int64_t, int64_t r, int64_t c) {
    return static_cast<double>(dd[r * q.C + c]) * gd[c];
  }));
  std::vector<double> s2 = group_sums(q, sum_per_channel(q, [xd, dd, gd, &q, &mc, &rc](int64_t n, int64_t r, int64_t c) {
    const int64_t k = n * q.C + c;
    return static_cast<double>(dd[r * q.C + c]) * gd[c] * (xd[r * q.C + c] - mc[k]) * rc[k];
  }));
  std::vector<double> m1(q.N * q.C), m2(q.N * q.C);  // each channel's group mean(dxh) and mean(dxh * xhat)
  for (int64_t n = 0; n < q.N; n++)
    for (int64_t c = 0; c < q.C; c++) {
      m1[n * q.C + c] = s1[n * q.G + c / q.cg] / cnt;
      m2[n * q.C + c] = s2[n * q.G + c / q.cg] / cnt;
    }
  Tensor dx = Tensor::empty(x.shape());
  float* od = dx.data();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < q.N * q.P; r++) {
    const int64_t n0 = (r / q.P) * q.C;
    const float *xp = xd + r * q.C, *dp = dd + r * q.C;
    float* op = od + r * q.C;
    for (int64_t c = 0; c < q.C; c++) {
      const int64_t k = n0 + c;
      const double dxh = static_cast<double>(dp[c]) * gd[c];
      op[c] = static_cast<float>(rc[k] * (dxh - m1[k] - (xp[c] - mc[k]) * rc[k] * m2[k]));
    }
  }
  return dx;
}

NormGrads group_norm_backward_params(const Tensor& dy, const Tensor& x, int groups, float eps) {
  const GroupGeom q = geom(x, groups);
  std::vector<double> mean, rstd;
  group_stats(x.data(), q, eps, mean, rstd);
  std::vector<double> dg(q.C, 0.0), db(q.C, 0.0);
  const float *xd = x.data(), *dd = dy.data();
  const int64_t rows = q.N * q.P;
#pragma omp parallel
  {
    std::vector<double> lg(q.C, 0.0), lb(q.C, 0.0);
#pragma omp for schedule(static) nowait
    for (int64_t r = 0; r < rows; r++) {
      const int64_t n = r / q.P;
      const float* xr = xd + r * q.C;
      const float* d = dd + r * q.C;
      for (int64_t c = 0; c < q.C; c++) {
        const int64_t j = n * q.G + c / q.cg;
        lg[c] += static_cast<double>(d[c]) * (xr[c] - mean[j]) * rstd[j];
        lb[c] += d[c];
      }
    }
#pragma omp critical
    for (int64_t c = 0; c < q.C; c++) {
      dg[c] += lg[c];
      db[c] += lb[c];
    }
  }
  return to_grads(dg, db);
}

// ---- pixel normalisation: y = (x - mean[c]) / std[c] ----

Tensor pixel_normalize(const Tensor& x, const std::vector<float>& mean, const std::vector<float>& std) {
  const size_t C = mean.size();
  std::vector<float> sc(C), zero(C, 0.f);
  for (size_t c = 0; c < C; c++) sc[c] = static_cast<float>(1.0 / std[c]);
  return affine(x, mean, sc, zero);
}

Tensor pixel_normalize_backward(const Tensor& dy, const std::vector<float>& std) {
  const size_t C = std.size();
  std::vector<float> sc(C), zero(C, 0.f);
  for (size_t c = 0; c < C; c++) sc[c] = static_cast<float>(1.0 / std[c]);
  return affine(dy, zero, sc, zero);
}

}  // namespace

void fill_norm(Backend& b) {
  b.batch_norm = batch_norm;
  b.batch_norm_backward_input = batch_norm_backward_input;
  b.batch_norm_backward_params = batch_norm_backward_params;
  b.batch_norm_train = batch_norm_train;
  b.batch_norm_train_backward = batch_norm_train_backward;
  b.layer_norm = layer_norm;
  b.layer_norm_backward_input = layer_norm_backward_input;
  b.layer_norm_backward_params = layer_norm_backward_params;
  b.group_norm = group_norm;
  b.group_norm_backward_input = group_norm_backward_input;
  b.group_norm_backward_params = group_norm_backward_params;
  b.pixel_normalize = pixel_normalize;
  b.pixel_normalize_backward = pixel_normalize_backward;
}

}  // namespace lk::cpu
