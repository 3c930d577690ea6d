// Normalisation ops on CUDA, channels last. Statistics in double, two passes (mean, then the biased variance
// about it), as on the CPU. Layer norm: one block per row. Group norm: one block per (n, group) for the
// statistics, then an elementwise pass. Affine-parameter gradients: xhat in a scratch tensor, then column
// sums (dgamma = sum dy * xhat, dbeta = sum dy).
#include "common.cuh"

namespace lk::cuda {
namespace {

constexpr int kRowThreads = 128;

int64_t rows_of(const Tensor& x) { return x.dim(-1) ? x.numel() / x.dim(-1) : 0; }

// ---- batch norm (inference) and the shared per-channel affine map ----
// y = (x - mean[c]) * gamma[c] / sqrt(var[c] + eps) + beta[c]; each of mean, gamma, var, beta may be null
// (then 0, 1, no scaling, 0): the backward-input is dy * gamma * rstd, xhat is (x - mean) * rstd.
__global__ void channel_affine_kernel(const float* __restrict__ x, const float* __restrict__ mean,
                                      const float* __restrict__ gamma, const float* __restrict__ var,
                                      const float* __restrict__ beta, float eps, float* __restrict__ y, long long n,
                                      long long C) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < n; i += stride) {
    const long long c = i % C;
    double sc = gamma ? gamma[c] : 1.0;
    if (var) sc /= sqrt(static_cast<double>(var[c]) + eps);
    const float s = static_cast<float>(sc);
    y[i] = (x[i] - (mean ? mean[c] : 0.f)) * s + (beta ? beta[c] : 0.f);
  }
}

Tensor channel_affine(const Tensor& x, const float* mean, const float* gamma, const float* var, const float* beta,
                      float eps) {
  Tensor y = Tensor::empty(x.shape(), x.device());
  const long long n = x.numel();
  if (n == 0) return y;
  channel_affine_kernel<<<grid_for(n), kThreads, 0, current_stream()>>>(x.data(), mean, gamma, var, beta, eps,
                                                                         y.data(), n, x.dim(-1));
  check_launch();
  return y;
}

NormGrads params_from_xhat(const Tensor& dy, const Tensor& xhat) {
  const int64_t C = dy.dim(-1), R = rows_of(dy);
  NormGrads g{Tensor::empty({C}, dy.device()), Tensor::empty({C}, dy.device())};
  column_sum(dy.data(), xhat.data(), g.dgamma.data(), R, C);
  column_sum(dy.data(), nullptr, g.dbeta.data(), R, C);
  return g;
}

Tensor batch_norm(const Tensor& x, const Tensor& g, const Tensor& b, const Tensor& mean, const Tensor& var, float eps) {
  DeviceScope scope(x.device().index);
  return channel_affine(x, mean.data(), g.data(), var.data(), b.data(), eps);
}

Tensor batch_norm_backward_input(const Tensor& dy, const Tensor& g, const Tensor& var, float eps) {
  DeviceScope scope(dy.device().index);
  return channel_affine(dy, nullptr, g.data(), var.data(), nullptr, eps);
}

NormGrads batch_norm_backward_params(const Tensor& dy, const Tensor& x, const Tensor& mean, const Tensor& var,
                                     float eps) {
  DeviceScope scope(dy.device().index);
  return params_from_xhat(dy, channel_affine(x, mean.data(), nullptr, var.data(), nullptr, eps));
}

// ---- batch norm (training): batch statistics by column sums (double accumulators), then the affine map ----
__global__ void scale_vec_kernel(float* __restrict__ v, long long n, double s) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  if (i < n) v[i] = static_cast<float>(v[i] * s);
}

// dx = gamma * rstd * (dy - db / R - xhat * dg / R), per channel c = i % C.
__global__ void bn_train_dx_kernel(const float* __restrict__ dy, const float* __restrict__ xhat,
                                   const float* __restrict__ g, const float* __restrict__ var,
                                   const float* __restrict__ dg, const float* __restrict__ db, float eps,
                                   double inv_rows, float* __restrict__ dx, long long n, long long C) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < n; i += stride) {
    const long long c = i % C;
    const double gr = g[c] / sqrt(static_cast<double>(var[c]) + eps);
    dx[i] = static_cast<float>(gr * (dy[i] - db[c] * inv_rows - xhat[i] * (dg[c] * inv_rows)));
  }
}

BatchNormTrainOut batch_norm_train(const Tensor& x, const Tensor& g, const Tensor& b, float eps) {
  DeviceScope scope(x.device().index);
  const int64_t C = x.dim(-1), R = rows_of(x);
  BatchNormTrainOut o{Tensor(), Tensor::empty({C}, x.device()), Tensor::empty({C}, x.device())};
  column_sum(x.data(), nullptr, o.mean.data(), R, C);
  scale_vec_kernel<<<grid_for(C), kThreads, 0, current_stream()>>>(o.mean.data(), C, 1.0 / R);
  check_launch();
  Tensor xc = channel_affine(x, o.mean.data(), nullptr, nullptr, nullptr, eps);
  column_sum(xc.data(), xc.data(), o.var.data(), R, C);
  scale_vec_kernel<<<grid_for(C), kThreads, 0, current_stream()>>>(o.var.data(), C, 1.0 / R);
  check_launch();
  o.y = channel_affine(x, o.mean.data(), g.data(), o.var.data(), b.data(), eps);
  return o;
}

BatchNormTrainGrads batch_norm_train_backward(const Tensor& dy, const Tensor& x, const Tensor& g, const Tensor& mean,
                                              const Tensor& var, float eps) {
  DeviceScope scope(dy.device().index);
  const int64_t C = dy.dim(-1), R = rows_of(dy);
  Tensor xhat = channel_affine(x, mean.data(), nullptr, var.data(), nullptr, eps);
  NormGrads pg = params_from_xhat(dy, xhat);
  BatchNormTrainGrads o{Tensor::empty(dy.shape(), dy.device()), pg.dgamma, pg.dbeta};
  const long long n = dy.numel();
  if (n > 0) {
    bn_train_dx_kernel<<<grid_for(n), kThreads, 0, current_stream()>>>(dy.data(), xhat.data(), g.data(), var.data(),
                                                                      pg.dgamma.data(), pg.dbeta.data(), eps,
                                                                      1.0 / R, o.dx.data(), n, C);
    check_launch();
  }
  return o;
}

// ---- layer norm over the last dim: one block per row ----
// Forward (dy null): y = xhat * gamma + beta (gamma/beta null: xhat alone). Backward-input (dy given):
// dx = rstd * (dxh - mean(dxh) - xhat * mean(dxh * xhat)), dxh = dy * gamma.
__global__ void __launch_bounds__(kRowThreads) layer_norm_kernel(const float* __restrict__ x,
                                                                 const float* __restrict__ dy,
                                                                 const float* __restrict__ gamma,
                                                                 const float* __restrict__ beta, float eps,
                                                                 float* __restrict__ out, int C) {
  __shared__ double red[32];
  const long long row = blockIdx.x;
  const float* xr = x + row * C;
  double s = 0;
  for (int c = threadIdx.x; c < C; c += blockDim.x) s += xr[c];
  const double mean_d = block_sum(s, red) / C;
  double v = 0;
  for (int c = threadIdx.x; c < C; c += blockDim.x) v += (xr[c] - mean_d) * (xr[c] - mean_d);
  const float mean = static_cast<float>(mean_d);
  const float rstd = static_cast<float>(1.0 / sqrt(block_sum(v, red) / C + eps));
  float* o = out + row * C;
  if (!dy) {
    for (int c = threadIdx.x; c < C; c += blockDim.x) {
      const float xh = (xr[c] - mean) * rstd;
      o[c] = gamma ? xh * gamma[c] + beta[c] : xh;
    }
    return;
  }
  const float* d = dy + row * C;
  double s1 = 0, s2 = 0;
  for (int c = threadIdx.x; c < C; c += blockDim.x) {
    const float dxh = d[c] * gamma[c];
    s1 += dxh;
    s2 += static_cast<double>(dxh) * ((xr[c] - mean) * rstd);
  }
  const float a = static_cast<float>(block_sum(s1, red) / C);
  const float bb = static_cast<float>(block_sum(s2, red) / C);
  for (int c = threadIdx.x; c < C; c += blockDim.x) o[c] = rstd * (d[c] * gamma[c] - a - (xr[c] - mean) * rstd * bb);
}

Tensor layer_norm_run(const Tensor& x, const float* dy, const float* gamma, const float* beta, float eps) {
  Tensor y = Tensor::empty(x.shape(), x.device());
  const int64_t R = rows_of(x), C = x.dim(-1);
  if (R == 0 || C == 0) return y;
  if (R > 0x7fffffffLL) throw std::runtime_error("cuda layer_norm: too many rows");
  layer_norm_kernel<<<static_cast<unsigned>(R), kRowThreads, 0, current_stream()>>>(x.data(), dy, gamma, beta, eps,
                                                                                     y.data(), static_cast<int>(C));
  check_launch();
  return y;
}

Tensor layer_norm(const Tensor& x, const Tensor& g, const Tensor& b, float eps) {
  DeviceScope scope(x.device().index);
  return layer_norm_run(x, nullptr, g.data(), b.data(), eps);
}

Tensor layer_norm_backward_input(const Tensor& dy, const Tensor& x, const Tensor& g, float eps) {
  DeviceScope scope(x.device().index);
  return layer_norm_run(x, dy.data(), g.data(), nullptr, eps);
}

NormGrads layer_norm_backward_params(const Tensor& dy, const Tensor& x, float eps) {
  DeviceScope scope(x.device().index);
  return params_from_xhat(dy, layer_norm_run(x, nullptr, nullptr, nullptr, eps));
}

// ---- group norm: x (N, H, W, C); statistics per (n, group) over H, W and the group's cg channels ----
struct GroupGeom {
  long long P;  // H * W
  int C, G, cg;
};

GroupGeom group_geom(const Tensor& x, int groups) {
  return {x.dim(1) * x.dim(2), static_cast<int>(x.dim(3)), groups, static_cast<int>(x.dim(3) / groups)};
}

// Block per (n, group) = blockIdx.x. stats[2j] = mean, stats[2j+1] = rstd. With dy (backward-input):
// sums[2j] = mean(dy * gamma), sums[2j+1] = mean(dy * gamma * xhat), using the stats already computed.
__global__ void group_stats_kernel(const float* __restrict__ x, const float* __restrict__ dy,
                                   const float* __restrict__ gamma, GroupGeom q, float eps, double* __restrict__ stats,
                                   double* __restrict__ sums) {
  __shared__ double red[32];
  const long long j = blockIdx.x, n = j / q.G;
  const int c0 = static_cast<int>(j % q.G) * q.cg;
  const long long cnt = q.P * q.cg;
  auto at = [&](long long e) { return (n * q.P + e / q.cg) * q.C + c0 + e % q.cg; };
  if (!dy) {
    double s = 0;
    for (long long e = threadIdx.x; e < cnt; e += blockDim.x) s += x[at(e)];
    const double m = block_sum(s, red) / static_cast<double>(cnt);
    double v = 0;
    for (long long e = threadIdx.x; e < cnt; e += blockDim.x) v += (x[at(e)] - m) * (x[at(e)] - m);
    v = block_sum(v, red) / static_cast<double>(cnt);
    if (threadIdx.x == 0) {
      stats[2 * j] = m;
      stats[2 * j + 1] = 1.0 / sqrt(v + eps);
    }
    return;
  }
  const double m = stats[2 * j], rs = stats[2 * j + 1];
  double s1 = 0, s2 = 0;
  for (long long e = threadIdx.x; e < cnt; e += blockDim.x) {
    const long long i = at(e);
    const double dxh = static_cast<double>(dy[i]) * gamma[c0 + e % q.cg];
    s1 += dxh;
    s2 += dxh * (x[i] - m) * rs;
  }
  s1 = block_sum(s1, red) / static_cast<double>(cnt);
  s2 = block_sum(s2, red) / static_cast<double>(cnt);
  if (threadIdx.x == 0) {
    sums[2 * j] = s1;
    sums[2 * j + 1] = s2;
  }
}

// Forward (sums null): y = (x - mean) * gamma * rstd + beta (gamma/beta null: xhat).
// Backward-input: dx = rstd * (dy * gamma - s1 - (x - mean) * rstd * s2).
__global__ void group_apply_kernel(const float* __restrict__ x, const float* __restrict__ dy,
                                   const float* __restrict__ gamma, const float* __restrict__ beta, GroupGeom q,
                                   const double* __restrict__ stats, const double* __restrict__ sums,
                                   float* __restrict__ out, long long total) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < total; i += stride) {
    const int c = static_cast<int>(i % q.C);
    const long long n = i / (q.P * q.C);
    const long long j = n * q.G + c / q.cg;
    const double m = stats[2 * j], rs = stats[2 * j + 1];
    if (!sums) {
      out[i] = gamma ? static_cast<float>((x[i] - m) * (gamma[c] * rs) + beta[c]) : static_cast<float>((x[i] - m) * rs);
    } else {
      const double dxh = static_cast<double>(dy[i]) * gamma[c];
      out[i] = static_cast<float>(rs * (dxh - sums[2 * j] - (x[i] - m) * rs * sums[2 * j + 1]));
    }
  }
}

// The whole group-norm pass: stats, then (backward) the per-group sums, then the elementwise map.
Tensor group_norm_run(const Tensor& x, const float* dy, int groups, const float* gamma, const float* beta, float eps) {
  Tensor y = Tensor::empty(x.shape(), x.device());
  const long long total = x.numel();
  if (total == 0) return y;
  const GroupGeom q = group_geom(x, groups);
  const long long blocks = x.dim(0) * groups;
  Scratch<double> stats(2 * blocks, x.device().index), sums(dy ? 2 * blocks : 1, x.device().index);
  group_stats_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, current_stream()>>>(x.data(), nullptr, nullptr, q,
                                                                                        eps, stats.ptr, nullptr);
  check_launch();
  if (dy) {
    group_stats_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, current_stream()>>>(x.data(), dy, gamma, q, eps,
                                                                                          stats.ptr, sums.ptr);
    check_launch();
  }
  group_apply_kernel<<<grid_for(total), kThreads, 0, current_stream()>>>(x.data(), dy, gamma, beta, q, stats.ptr,
                                                                         dy ? sums.ptr : nullptr, y.data(), total);
  check_launch();
  return y;
}

Tensor group_norm(const Tensor& x, int groups, const Tensor& g, const Tensor& b, float eps) {
  DeviceScope scope(x.device().index);
  return group_norm_run(x, nullptr, groups, g.data(), b.data(), eps);
}

Tensor group_norm_backward_input(const Tensor& dy, const Tensor& x, int groups, const Tensor& g, float eps) {
  DeviceScope scope(x.device().index);
  return group_norm_run(x, dy.data(), groups, g.data(), nullptr, eps);
}

NormGrads group_norm_backward_params(const Tensor& dy, const Tensor& x, int groups, float eps) {
  DeviceScope scope(x.device().index);
  return params_from_xhat(dy, group_norm_run(x, nullptr, groups, nullptr, nullptr, eps));
}

// ---- pixel normalisation: y = (x - mean[c]) / std[c], C small (image channels), passed by value ----
constexpr int kMaxPixelChannels = 16;
struct PixelParams {
  int C;
  float sub[kMaxPixelChannels], scale[kMaxPixelChannels];
};

__global__ void pixel_kernel(const float* __restrict__ x, PixelParams p, float* __restrict__ y, long long n) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < n; i += stride) {
    const int c = static_cast<int>(i % p.C);
    y[i] = (x[i] - p.sub[c]) * p.scale[c];
  }
}

Tensor pixel_map(const Tensor& x, const std::vector<float>* mean, const std::vector<float>& std) {
  DeviceScope scope(x.device().index);
  const size_t C = std.size();
  if (C > kMaxPixelChannels)
    throw ArgError("pixel_normalize: expected at most " + std::to_string(kMaxPixelChannels) +
                   " channels on cuda, received " + std::to_string(C));
  PixelParams p{};
  p.C = static_cast<int>(C);
  for (size_t c = 0; c < C; c++) {
    p.sub[c] = mean ? (*mean)[c] : 0.f;
    p.scale[c] = static_cast<float>(1.0 / std[c]);
  }
  Tensor y = Tensor::empty(x.shape(), x.device());
  const long long n = x.numel();
  if (n == 0 || C == 0) return y;
  pixel_kernel<<<grid_for(n), kThreads, 0, current_stream()>>>(x.data(), p, y.data(), n);
  check_launch();
  return y;
}

Tensor pixel_normalize(const Tensor& x, const std::vector<float>& mean, const std::vector<float>& std) {
  return pixel_map(x, &mean, std);
}
Tensor pixel_normalize_backward(const Tensor& dy, const std::vector<float>& std) { return pixel_map(dy, nullptr, std); }

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

}  // namespace lk::cuda
