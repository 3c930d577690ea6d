// Normalisation ops on the CPU: statistics in double, parallel over rows / (n, group).
#include <cmath>
#include <vector>

#include "cpu_backend.h"

namespace lk::cpu {
namespace {

int64_t rows_of(const Tensor& x) { return x.numel() / x.dim(-1); }

Tensor batch_norm(const Tensor& x, const Tensor& g, const Tensor& b, const Tensor& mean, const Tensor& var, float eps) {
  const int64_t C = x.dim(-1), R = rows_of(x);
  std::vector<float> sc(C), sh(C);
  for (int64_t c = 0; c < C; c++) {
    double s = g.data()[c] / std::sqrt(static_cast<double>(var.data()[c]) + eps);
    sc[c] = static_cast<float>(s);
    sh[c] = static_cast<float>(b.data()[c] - mean.data()[c] * s);
  }
  Tensor y = Tensor::empty(x.shape());
  const float* xp = x.data();
  float* yp = y.data();
#pragma omp parallel for
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) yp[r * C + c] = xp[r * C + c] * sc[c] + sh[c];
  return y;
}

Tensor batch_norm_backward_input(const Tensor& dy, const Tensor& g, const Tensor& var, float eps) {
  const int64_t C = dy.dim(-1), R = rows_of(dy);
  std::vector<float> sc(C);
  for (int64_t c = 0; c < C; c++) sc[c] = static_cast<float>(g.data()[c] / std::sqrt(static_cast<double>(var.data()[c]) + eps));
  Tensor dx = Tensor::empty(dy.shape());
  const float* d = dy.data();
  float* o = dx.data();
#pragma omp parallel for
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) o[r * C + c] = d[r * C + c] * sc[c];
  return dx;
}

NormGrads batch_norm_backward_params(const Tensor& dy, const Tensor& x, const Tensor& mean, const Tensor& var, float eps) {
  const int64_t C = x.dim(-1), R = rows_of(x);
  std::vector<double> dg(C, 0.0), db(C, 0.0);
#pragma omp parallel
  {
    std::vector<double> lg(C, 0.0), lb(C, 0.0);
#pragma omp for nowait
    for (int64_t r = 0; r < R; r++)
      for (int64_t c = 0; c < C; c++) {
        double d = dy.data()[r * C + c];
        lg[c] += d * (x.data()[r * C + c] - mean.data()[c]);
        lb[c] += d;
      }
#pragma omp critical
    for (int64_t c = 0; c < C; c++) {
      dg[c] += lg[c];
      db[c] += lb[c];
    }
  }
  NormGrads out{Tensor::empty({C}), Tensor::empty({C})};
  for (int64_t c = 0; c < C; c++) {
    out.dgamma.data()[c] = static_cast<float>(dg[c] / std::sqrt(static_cast<double>(var.data()[c]) + eps));
    out.dbeta.data()[c] = static_cast<float>(db[c]);
  }
  return out;
}

// Layer norm over the last dim: per row mean and biased variance.
void row_stats(const float* x, int64_t C, double& mean, double& rstd, float eps) {
  double s = 0;
  for (int64_t c = 0; c < C; c++) s += x[c];
  mean = s / C;
  double v = 0;
  for (int64_t c = 0; c < C; c++) v += (x[c] - mean) * (x[c] - mean);
  rstd = 1.0 / std::sqrt(v / C + eps);
}

Tensor layer_norm(const Tensor& x, const Tensor& g, const Tensor& b, float eps) {
  const int64_t C = x.dim(-1), R = rows_of(x);
  Tensor y = Tensor::empty(x.shape());
#pragma omp parallel for
  for (int64_t r = 0; r < R; r++) {
    const float* xr = x.data() + r * C;
    float* yr = y.data() + r * C;
    double m, rs;
    row_stats(xr, C, m, rs, eps);
    for (int64_t c = 0; c < C; c++) yr[c] = static_cast<float>((xr[c] - m) * rs * g.data()[c] + b.data()[c]);
  }
  return y;
}

Tensor layer_norm_backward_input(const Tensor& dy, const Tensor& x, const Tensor& g, float eps) {
  const int64_t C = x.dim(-1), R = rows_of(x);
  Tensor dx = Tensor::empty(x.shape());
#pragma omp parallel for
  for (int64_t r = 0; r < R; r++) {
    const float* xr = x.data() + r * C;
    const float* dr = dy.data() + r * C;
    float* o = dx.data() + r * C;
    double m, rs;
    row_stats(xr, C, m, rs, eps);
    // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * gamma
    double s1 = 0, s2 = 0;
    for (int64_t c = 0; c < C; c++) {
      double dxh = static_cast<double>(dr[c]) * g.data()[c];
      double xh = (xr[c] - m) * rs;
      s1 += dxh;
      s2 += dxh * xh;
    }
    s1 /= C;
    s2 /= C;
    for (int64_t c = 0; c < C; c++) {
      double dxh = static_cast<double>(dr[c]) * g.data()[c];
      double xh = (xr[c] - m) * rs;
      o[c] = static_cast<float>(rs * (dxh - s1 - xh * s2));
    }
  }
  return dx;
}

NormGrads layer_norm_backward_params(const Tensor& dy, const Tensor& x, float eps) {
  const int64_t C = x.dim(-1), R = rows_of(x);
  std::vector<double> dg(C, 0.0), db(C, 0.0);
#pragma omp parallel
  {
    std::vector<double> lg(C, 0.0), lb(C, 0.0);
#pragma omp for nowait
    for (int64_t r = 0; r < R; r++) {
      const float* xr = x.data() + r * C;
      double m, rs;
      row_stats(xr, C, m, rs, eps);
      for (int64_t c = 0; c < C; c++) {
        double d = dy.data()[r * C + c];
        lg[c] += d * (xr[c] - m) * rs;
        lb[c] += d;
      }
    }
#pragma omp critical
    for (int64_t c = 0; c < C; c++) {
      dg[c] += lg[c];
      db[c] += lb[c];
    }
  }
  NormGrads out{Tensor::empty({C}), Tensor::empty({C})};
  for (int64_t c = 0; c < C; c++) {
    out.dgamma.data()[c] = static_cast<float>(dg[c]);
    out.dbeta.data()[c] = static_cast<float>(db[c]);
  }
  return out;
}

// Group norm: statistics per (n, group) over H, W and the group's channels.
struct GroupGeom {
  int64_t N, P, C, G, cg;
};
GroupGeom geom(const Tensor& x, int groups) {
  return {x.dim(0), x.dim(1) * x.dim(2), x.dim(3), groups, x.dim(3) / groups};
}

void group_stats(const float* x, const GroupGeom& q, int64_t n, int64_t grp, double& mean, double& rstd, float eps) {
  double s = 0;
  for (int64_t p = 0; p < q.P; p++)
    for (int64_t c = 0; c < q.cg; c++) s += x[(n * q.P + p) * q.C + grp * q.cg + c];
  const double cnt = static_cast<double>(q.P * q.cg);
  mean = s / cnt;
  double v = 0;
  for (int64_t p = 0; p < q.P; p++)
    for (int64_t c = 0; c < q.cg; c++) {
      double d = x[(n * q.P + p) * q.C + grp * q.cg + c] - mean;
      v += d * d;
    }
  rstd = 1.0 / std::sqrt(v / cnt + eps);
}

Tensor group_norm(const Tensor& x, int groups, const Tensor& g, const Tensor& b, float eps) {
  GroupGeom q = geom(x, groups);
  Tensor y = Tensor::empty(x.shape());
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < q.N; n++)
    for (int64_t grp = 0; grp < q.G; grp++) {
      double m, rs;
      group_stats(x.data(), q, n, grp, m, rs, eps);
      for (int64_t p = 0; p < q.P; p++)
        for (int64_t c = 0; c < q.cg; c++) {
          int64_t ch = grp * q.cg + c, i = (n * q.P + p) * q.C + ch;
          y.data()[i] = static_cast<float>((x.data()[i] - m) * rs * g.data()[ch] + b.data()[ch]);
        }
    }
  return y;
}

Tensor group_norm_backward_input(const Tensor& dy, const Tensor& x, int groups, const Tensor& g, float eps) {
  GroupGeom q = geom(x, groups);
  Tensor dx = Tensor::empty(x.shape());
  const double cnt = static_cast<double>(q.P * q.cg);
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < q.N; n++)
    for (int64_t grp = 0; grp < q.G; grp++) {
      double m, rs;
      group_stats(x.data(), q, n, grp, m, rs, eps);
      double s1 = 0, s2 = 0;
      for (int64_t p = 0; p < q.P; p++)
        for (int64_t c = 0; c < q.cg; c++) {
          int64_t ch = grp * q.cg + c, i = (n * q.P + p) * q.C + ch;
          double dxh = static_cast<double>(dy.data()[i]) * g.data()[ch];
          s1 += dxh;
          s2 += dxh * (x.data()[i] - m) * rs;
        }
      s1 /= cnt;
      s2 /= cnt;
      for (int64_t p = 0; p < q.P; p++)
        for (int64_t c = 0; c < q.cg; c++) {
          int64_t ch = grp * q.cg + c, i = (n * q.P + p) * q.C + ch;
          double dxh = static_cast<double>(dy.data()[i]) * g.data()[ch];
          dx.data()[i] = static_cast<float>(rs * (dxh - s1 - (x.data()[i] - m) * rs * s2));
        }
    }
  return dx;
}

NormGrads group_norm_backward_params(const Tensor& dy, const Tensor& x, int groups, float eps) {
  GroupGeom q = geom(x, groups);
  std::vector<double> dg(q.C, 0.0), db(q.C, 0.0);
  for (int64_t n = 0; n < q.N; n++) {
    std::vector<double> m(q.G), rs(q.G);
#pragma omp parallel for
    for (int64_t grp = 0; grp < q.G; grp++) group_stats(x.data(), q, n, grp, m[grp], rs[grp], eps);
#pragma omp parallel for
    for (int64_t ch = 0; ch < q.C; ch++) {
      int64_t grp = ch / q.cg;
      for (int64_t p = 0; p < q.P; p++) {
        int64_t i = (n * q.P + p) * q.C + ch;
        double d = dy.data()[i];
        dg[ch] += d * (x.data()[i] - m[grp]) * rs[grp];
        db[ch] += d;
      }
    }
  }
  NormGrads out{Tensor::empty({q.C}), Tensor::empty({q.C})};
  for (int64_t c = 0; c < q.C; c++) {
    out.dgamma.data()[c] = static_cast<float>(dg[c]);
    out.dbeta.data()[c] = static_cast<float>(db[c]);
  }
  return out;
}

Tensor pixel_normalize(const Tensor& x, const std::vector<float>& mean, const std::vector<float>& std) {
  const int64_t C = x.dim(-1), R = rows_of(x);
  Tensor y = Tensor::empty(x.shape());
#pragma omp parallel for
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) y.data()[r * C + c] = (x.data()[r * C + c] - mean[c]) / std[c];
  return y;
}

Tensor pixel_normalize_backward(const Tensor& dy, const std::vector<float>& std) {
  const int64_t C = dy.dim(-1), R = rows_of(dy);
  Tensor dx = Tensor::empty(dy.shape());
#pragma omp parallel for
  for (int64_t r = 0; r < R; r++)
    for (int64_t c = 0; c < C; c++) dx.data()[r * C + c] = dy.data()[r * C + c] / std[c];
  return dx;
}

}  // namespace

void fill_norm(Backend& b) {
  b.batch_norm = batch_norm;
  b.batch_norm_backward_input = batch_norm_backward_input;
  b.batch_norm_backward_params = batch_norm_backward_params;
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
