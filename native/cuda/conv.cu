// The convolution family on CUDA. Dense and grouped conv2d (forward, backward-data, backward-weights) are
// implicit GEMMs over our tiled SGEMM (gemm.cuh), one group per blockIdx.z, with the im2col gather computed
// in the operand loads (no im2col buffer); taps that fall in the padding load zeros. Depthwise convs
// (groups == Cin == Cout) go to dwconv.cu. weight_standardize is one block per output channel.
// No cuDNN: the issue allows it where present, but this build must compile with nvcc + cudart alone.
//
// Index orders (NHWC activations, PyTorch OIHW weights, G groups, cig = Cin/G, cog = Cout/G):
//   forward   M = N*OH*OW (n, oh, ow), N = cog, K = KH*KW*cig ordered (kh, kw, ci) so that consecutive k
//             read consecutive channels of x;
//   bwd data  M = N*H*W (n, h, w),    N = cig, K = KH*KW*cog ordered (kh, kw, co), reading dy where
//             (h + pad - kh*dil) is a multiple of the stride;
//   bwd wts   M = cog, N = cig*KH*KW ordered (ci, kh, kw) = dw's own layout, K = N*OH*OW.
#include "dwconv.cuh"
#include "gemm.cuh"

namespace lk::cuda {
namespace {

struct ConvGeom {
  int n, h, w, cin, cout, kh, kw, oh, ow, groups, cig, cog;
  int sh, sw, pt, pl, dh, dw;
};

ConvGeom conv_geom(const Shape& xs, const Shape& ws, const Conv2dArgs& a) {
  Shape ys = conv2d_output_shape(xs, ws, a);
  ConvGeom g;
  g.n = static_cast<int>(xs[0]), g.h = static_cast<int>(xs[1]), g.w = static_cast<int>(xs[2]);
  g.cin = static_cast<int>(xs[3]), g.cout = static_cast<int>(ws[0]);
  g.kh = static_cast<int>(ws[2]), g.kw = static_cast<int>(ws[3]);
  g.oh = static_cast<int>(ys[1]), g.ow = static_cast<int>(ys[2]);
  g.groups = a.groups, g.cig = g.cin / a.groups, g.cog = g.cout / a.groups;
  g.sh = a.stride_h, g.sw = a.stride_w, g.pt = a.pad_t, g.pl = a.pad_l, g.dh = a.dil_h, g.dw = a.dil_w;
  return g;
}

struct ConvForward {
  ConvGeom g;
  const float *x, *w, *bias;
  float* y;
  long long M, N, K;
  bool a_k_fast = true, b_k_fast = true;
  __device__ float a(long long m, long long k, int z) const {
    const int ci = static_cast<int>(k % g.cig);
    const int t = static_cast<int>(k / g.cig);
    const int kx = t % g.kw, ky = t / g.kw;
    const int ow = static_cast<int>(m % g.ow);
    const long long r = m / g.ow;
    const int oh = static_cast<int>(r % g.oh);
    const long long n = r / g.oh;
    const int ih = oh * g.sh - g.pt + ky * g.dh, iw = ow * g.sw - g.pl + kx * g.dw;
    if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) return 0.f;
    return x[((n * g.h + ih) * g.w + iw) * g.cin + z * g.cig + ci];
  }
  __device__ float b(long long k, long long co, int z) const {
    const int ci = static_cast<int>(k % g.cig);
    const int t = static_cast<int>(k / g.cig);  // ky * kw + kx
    return w[((z * g.cog + co) * g.cig + ci) * static_cast<long long>(g.kh * g.kw) + t];
  }
  __device__ void store(long long m, long long co, int z, float acc) const {
    const long long c = z * g.cog + co;
    y[m * g.cout + c] = acc + (bias ? bias[c] : 0.f);
  }
};

struct ConvBackwardData {
  ConvGeom g;
  const float *dy, *w;
  float* dx;
  long long M, N, K;
  bool a_k_fast = true, b_k_fast = false;
  __device__ float a(long long m, long long k, int z) const {
    const int co = static_cast<int>(k % g.cog);
    const int t = static_cast<int>(k / g.cog);
    const int kx = t % g.kw, ky = t / g.kw;
    const int iw = static_cast<int>(m % g.w);
    const long long r = m / g.w;
    const int ih = static_cast<int>(r % g.h);
    const long long n = r / g.h;
    const int th = ih + g.pt - ky * g.dh, tw = iw + g.pl - kx * g.dw;  // = oh * sh, ow * sw
    if (th < 0 || tw < 0 || th % g.sh || tw % g.sw) return 0.f;
    const int oh = th / g.sh, ow = tw / g.sw;
    if (oh >= g.oh || ow >= g.ow) return 0.f;
    return dy[((n * g.oh + oh) * g.ow + ow) * g.cout + z * g.cog + co];
  }
  __device__ float b(long long k, long long ci, int z) const {
    const int co = static_cast<int>(k % g.cog);
    const int t = static_cast<int>(k / g.cog);
    return w[((z * g.cog + co) * g.cig + ci) * static_cast<long long>(g.kh * g.kw) + t];
  }
  __device__ void store(long long m, long long ci, int z, float acc) const { dx[m * g.cin + z * g.cig + ci] = acc; }
};

struct ConvBackwardWeights {
  ConvGeom g;
  const float *dy, *x;
  float* dw;
  long long M, N, K;
  bool a_k_fast = false, b_k_fast = false;
  __device__ float a(long long co, long long k, int z) const { return dy[k * g.cout + z * g.cog + co]; }
  __device__ float b(long long k, long long j, int z) const {
    const int kx = static_cast<int>(j % g.kw);
    const long long t = j / g.kw;
    const int ky = static_cast<int>(t % g.kh);
    const int ci = static_cast<int>(t / g.kh);
    const int ow = static_cast<int>(k % g.ow);
    const long long r = k / g.ow;
    const int oh = static_cast<int>(r % g.oh);
    const long long n = r / g.oh;
    const int ih = oh * g.sh - g.pt + ky * g.dh, iw = ow * g.sw - g.pl + kx * g.dw;
    if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) return 0.f;
    return x[((n * g.h + ih) * g.w + iw) * g.cin + z * g.cig + ci];
  }
  __device__ void store(long long co, long long j, int z, float acc) const { dw[(z * g.cog + co) * N + j] = acc; }
};

bool is_depthwise(const ConvGeom& g) { return g.groups == g.cin && g.cin == g.cout; }

DwGeom dw_geom(const ConvGeom& g) {
  return DwGeom{g.n, g.h, g.w, g.cin, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.oh, g.ow, g.dh, g.dw};
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dArgs& a) {
  DeviceScope scope(x.device().index);
  const ConvGeom g = conv_geom(x.shape(), w.shape(), a);
  Tensor y = Tensor::empty({g.n, g.oh, g.ow, g.cout}, x.device());
  if (y.numel() == 0) return y;
  const float* bias = b.defined() ? b.data() : nullptr;
  if (is_depthwise(g)) {
    dw_forward(x.data(), w.data(), bias, y.data(), dw_geom(g));
    return y;
  }
  ConvForward p{g, x.data(), w.data(), bias, y.data(), 1LL * g.n * g.oh * g.ow, g.cog, 1LL * g.kh * g.kw * g.cig};
  launch_tiled_gemm(p, g.groups);
  return y;
}

Tensor conv2d_backward_input(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dArgs& a) {
  DeviceScope scope(dy.device().index);
  const ConvGeom g = conv_geom(x_shape, w.shape(), a);
  Tensor dx = Tensor::empty(x_shape, dy.device());
  if (dx.numel() == 0) return dx;
  if (is_depthwise(g)) {
    dw_backward_data(dy.data(), w.data(), dx.data(), dw_geom(g));
    return dx;
  }
  ConvBackwardData p{g, dy.data(), w.data(), dx.data(), 1LL * g.n * g.h * g.w, g.cig, 1LL * g.kh * g.kw * g.cog};
  launch_tiled_gemm(p, g.groups);
  return dx;
}

ConvGrads conv2d_backward_params(const Tensor& dy, const Tensor& x, const Shape& w_shape, bool with_bias,
                                 const Conv2dArgs& a) {
  DeviceScope scope(dy.device().index);
  const ConvGeom g = conv_geom(x.shape(), w_shape, a);
  ConvGrads r;
  r.dw = Tensor::empty(w_shape, dy.device());
  if (with_bias) {
    r.db = Tensor::empty({g.cout}, dy.device());
    column_sum(dy.data(), nullptr, r.db.data(), 1LL * g.n * g.oh * g.ow, g.cout);
  }
  if (r.dw.numel() == 0) return r;
  if (is_depthwise(g)) {
    dw_backward_weights(dy.data(), x.data(), r.dw.data(), dw_geom(g));
    return r;
  }
  ConvBackwardWeights p{g, dy.data(), x.data(), r.dw.data(), g.cog, 1LL * g.cig * g.kh * g.kw,
                        1LL * g.n * g.oh * g.ow};
  launch_tiled_gemm(p, g.groups);  // K = 0 (empty batch) stores zeros
  return r;
}

// ---- weight standardisation: per output channel o over its k weights, w' = (w - mean) * rstd ----
// One block per output channel; statistics in double, two passes, as on the CPU.
__global__ void weight_standardize_kernel(const float* __restrict__ w, const float* __restrict__ g,
                                          float* __restrict__ out, long long k, float eps) {
  __shared__ double red[32];
  const float* wc = w + blockIdx.x * k;
  double s = 0;
  for (long long i = threadIdx.x; i < k; i += blockDim.x) s += wc[i];
  const double mean = block_sum(s, red) / static_cast<double>(k);
  double v = 0;
  for (long long i = threadIdx.x; i < k; i += blockDim.x) v += (wc[i] - mean) * (wc[i] - mean);
  const double rstd = 1.0 / sqrt(block_sum(v, red) / static_cast<double>(k) + eps);
  float* oc = out + blockIdx.x * k;
  if (!g) {
    for (long long i = threadIdx.x; i < k; i += blockDim.x) oc[i] = static_cast<float>((wc[i] - mean) * rstd);
    return;
  }
  // Backward: dw = rstd * (g - mean(g) - xhat * mean(g * xhat)).
  const float* gc = g + blockIdx.x * k;
  double gs = 0, gx = 0;
  for (long long i = threadIdx.x; i < k; i += blockDim.x) {
    gs += gc[i];
    gx += gc[i] * (wc[i] - mean) * rstd;
  }
  const double gmean = block_sum(gs, red) / static_cast<double>(k);
  const double gxmean = block_sum(gx, red) / static_cast<double>(k);
  for (long long i = threadIdx.x; i < k; i += blockDim.x) {
    const double xhat = (wc[i] - mean) * rstd;
    oc[i] = static_cast<float>(rstd * (gc[i] - gmean - xhat * gxmean));
  }
}

Tensor standardize(const Tensor& w, const Tensor* dwstd, float eps) {
  DeviceScope scope(w.device().index);
  Tensor out = Tensor::empty(w.shape(), w.device());
  const long long o = w.dim(0), k = o ? w.numel() / o : 0;
  if (o == 0 || k == 0) return out;
  weight_standardize_kernel<<<static_cast<unsigned>(o), kThreads, 0, current_stream()>>>(
      w.data(), dwstd ? dwstd->data() : nullptr, out.data(), k, eps);
  check_launch();
  return out;
}

Tensor weight_standardize(const Tensor& w, float eps) { return standardize(w, nullptr, eps); }
Tensor weight_standardize_backward(const Tensor& dwstd, const Tensor& w, float eps) {
  return standardize(w, &dwstd, eps);
}

}  // namespace

void fill_conv(Backend& b) {
  b.conv2d = conv2d;
  b.conv2d_backward_input = conv2d_backward_input;
  b.conv2d_backward_params = conv2d_backward_params;
  b.weight_standardize = weight_standardize;
  b.weight_standardize_backward = weight_standardize_backward;
}

}  // namespace lk::cuda
