// Layout ops on CUDA: permute (any rank up to 8) and constant padding of H, W of an NHWC tensor.
#include "common.cuh"

namespace lk::cuda {
namespace {

constexpr int kMaxRank = 8;

struct PermuteGeom {
  int rank;
  long long out_dims[kMaxRank];    // y's shape
  long long src_stride[kMaxRank];  // stride in x of y's dim d (x's stride of dim dims[d])
};

// One thread per output element: decompose its index over y's shape, gather from x.
__global__ void permute_kernel(const float* __restrict__ x, float* __restrict__ y, long long n, PermuteGeom g) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < n; i += stride) {
    long long rem = i, src = 0;
    for (int d = g.rank - 1; d >= 0; d--) {
      src += (rem % g.out_dims[d]) * g.src_stride[d];
      rem /= g.out_dims[d];
    }
    y[i] = x[src];
  }
}

Tensor permute(const Tensor& x, const std::vector<int>& dims) {
  DeviceScope scope(x.device().index);
  const int r = x.ndim();
  if (r > kMaxRank)
    throw ArgError("permute: expected rank <= " + std::to_string(kMaxRank) + " on cuda, received " +
                   shape_str(x.shape()));
  if (r == 0) return device_clone(x);
  PermuteGeom g{};
  g.rank = r;
  long long xstride[kMaxRank];
  xstride[r - 1] = 1;
  for (int d = r - 2; d >= 0; d--) xstride[d] = xstride[d + 1] * x.dim(d + 1);
  Shape ys(r);
  for (int d = 0; d < r; d++) {
    ys[d] = x.dim(dims[d]);
    g.out_dims[d] = ys[d];
    g.src_stride[d] = xstride[dims[d]];
  }
  Tensor y = Tensor::empty(ys, x.device());
  const long long n = y.numel();
  if (n == 0) return y;
  permute_kernel<<<grid_for(n), kThreads, 0, current_stream()>>>(x.data(), y.data(), n, g);
  check_launch();
  return y;
}

Tensor permute_backward(const Tensor& dy, const std::vector<int>& dims) {
  std::vector<int> inv(dims.size());
  for (size_t d = 0; d < dims.size(); d++) inv[dims[d]] = static_cast<int>(d);
  return (permute)(dy, inv);  // parentheses: not lk::permute by ADL
}

// Forward: y (N, OH, OW, C) from x (N, H, W, C) shifted by (pad_t, pad_l), `value` outside.
// Backward (value unused): dx (N, H, W, C) is the interior of dy. Both one thread per element written.
__global__ void pad_kernel(const float* __restrict__ x, float* __restrict__ y, long long n, int H, int W, int OH,
                           int OW, int C, int pad_t, int pad_l, float value) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < n; i += stride) {
    const int c = static_cast<int>(i % C);
    long long p = i / C;
    const int ow = static_cast<int>(p % OW);
    p /= OW;
    const int oh = static_cast<int>(p % OH);
    const long long nn = p / OH;
    const int h = oh - pad_t, w = ow - pad_l;
    y[i] = (h >= 0 && h < H && w >= 0 && w < W) ? x[((nn * H + h) * W + w) * C + c] : value;
  }
}

Tensor pad2d(const Tensor& x, const Pad2dArgs& a) {
  DeviceScope scope(x.device().index);
  const int64_t N = x.dim(0), H = x.dim(1), W = x.dim(2), C = x.dim(3);
  const int64_t OH = H + a.pad_t + a.pad_b, OW = W + a.pad_l + a.pad_r;
  Tensor y = Tensor::empty({N, OH, OW, C}, x.device());
  const long long n = y.numel();
  if (n == 0) return y;
  pad_kernel<<<grid_for(n), kThreads, 0, current_stream()>>>(x.data(), y.data(), n, H, W, OH, OW, C, a.pad_t,
                                                               a.pad_l, a.value);
  check_launch();
  return y;
}

Tensor pad2d_backward(const Tensor& dy, const Pad2dArgs& a) {
  DeviceScope scope(dy.device().index);
  const int64_t N = dy.dim(0), OH = dy.dim(1), OW = dy.dim(2), C = dy.dim(3);
  const int64_t H = OH - a.pad_t - a.pad_b, W = OW - a.pad_l - a.pad_r;
  Tensor dx = Tensor::empty({N, H, W, C}, dy.device());
  const long long n = dx.numel();
  if (n == 0) return dx;
  // The interior of dy is a "padding" of dx by negative amounts: every read is in bounds.
  pad_kernel<<<grid_for(n), kThreads, 0, current_stream()>>>(dy.data(), dx.data(), n, OH, OW, H, W, C, -a.pad_t,
                                                               -a.pad_l, 0.f);
  check_launch();
  return dx;
}

}  // namespace

void fill_permute_pad(Backend& b) {
  b.permute = permute;
  b.permute_backward = permute_backward;
  b.pad2d = pad2d;
  b.pad2d_backward = pad2d_backward;
}

}  // namespace lk::cuda
