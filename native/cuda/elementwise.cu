// Elementwise ops on CUDA: add, mul (b the same shape as a, or 1-D over the last dim, broadcast over rows),
// scale, with their backwards; and the shared column sum (gradients of row-broadcast operands).
#include "common.cuh"

namespace lk::cuda {
namespace {

// y[i] = a[i] (+ or *) b[i or i % b_len].
template <bool kMul>
__global__ void binary_kernel(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ y,
                              long long n, long long b_len) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < n; i += stride) {
    const float bv = b[b_len == n ? i : i % b_len];
    y[i] = kMul ? a[i] * bv : a[i] + bv;
  }
}

__global__ void scale_kernel(const float* __restrict__ x, float s, float* __restrict__ y, long long n) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < n; i += stride) y[i] = x[i] * s;
}

// Block (32, 8): 32 adjacent columns (coalesced rows), 8 row slices summed in double then combined.
__global__ void column_sum_kernel(const float* __restrict__ a, const float* __restrict__ m, float* __restrict__ out,
                                  long long R, long long C) {
  __shared__ double part[8][33];
  const long long c = blockIdx.x * 32LL + threadIdx.x;
  double acc = 0;
  if (c < C)
    for (long long r = threadIdx.y; r < R; r += 8) {
      const long long i = r * C + c;
      acc += m ? static_cast<double>(a[i]) * m[i] : static_cast<double>(a[i]);
    }
  part[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && c < C) {
    double s = 0;
    for (int k = 0; k < 8; k++) s += part[k][threadIdx.x];
    out[c] = static_cast<float>(s);
  }
}

Tensor binary(const Tensor& a, const Tensor& b, bool is_mul) {
  DeviceScope scope(a.device().index);
  Tensor y = Tensor::empty(a.shape(), a.device());
  const long long n = a.numel();
  if (n == 0) return y;
  if (is_mul)
    binary_kernel<true><<<grid_for(n), kThreads, 0, current_stream()>>>(a.data(), b.data(), y.data(), n, b.numel());
  else
    binary_kernel<false><<<grid_for(n), kThreads, 0, current_stream()>>>(a.data(), b.data(), y.data(), n, b.numel());
  check_launch();
  return y;
}

bool is_row(const Shape& a, const Shape& b) { return b != a; }

Tensor column_sum_of(const Tensor& dy, const Tensor* m) {
  const int64_t C = dy.dim(-1), R = C ? dy.numel() / C : 0;
  Tensor out = Tensor::empty({C}, dy.device());
  column_sum(dy.data(), m ? m->data() : nullptr, out.data(), R, C);
  return out;
}

Tensor add(const Tensor& a, const Tensor& b) { return binary(a, b, false); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(a, b, true); }

BinaryGrads add_backward(const Tensor& dy, const Shape& b_shape) {
  DeviceScope scope(dy.device().index);
  if (!is_row(dy.shape(), b_shape)) return {device_clone(dy), device_clone(dy)};
  return {device_clone(dy), column_sum_of(dy, nullptr)};
}

BinaryGrads mul_backward(const Tensor& dy, const Tensor& a, const Tensor& b) {
  DeviceScope scope(dy.device().index);
  BinaryGrads g{binary(dy, b, true), Tensor()};
  g.db = is_row(a.shape(), b.shape()) ? column_sum_of(dy, &a) : binary(dy, a, true);
  return g;
}

Tensor scale(const Tensor& x, float s) {
  DeviceScope scope(x.device().index);
  Tensor y = Tensor::empty(x.shape(), x.device());
  const long long n = x.numel();
  if (n == 0) return y;
  scale_kernel<<<grid_for(n), kThreads, 0, current_stream()>>>(x.data(), s, y.data(), n);
  check_launch();
  return y;
}

Tensor scale_backward(const Tensor& dy, float s) { return (scale)(dy, s); }  // parentheses: not lk::scale by ADL

}  // namespace

void column_sum(const float* a, const float* m, float* out, int64_t R, int64_t C) {
  if (C == 0) return;
  dim3 block(32, 8), grid(ceil_div(C, 32));
  column_sum_kernel<<<grid, block, 0, current_stream()>>>(a, m, out, R, C);
  check_launch();
}

Tensor device_clone(const Tensor& t) {
  Tensor y = Tensor::empty(t.shape(), t.device());
  if (t.bytes())
    LK_CUDA_CHECK(cudaMemcpyAsync(y.data(), t.data(), t.bytes(), cudaMemcpyDeviceToDevice, current_stream()));
  return y;
}

void fill_elementwise(Backend& b) {
  b.add = add;
  b.add_backward = add_backward;
  b.mul = mul;
  b.mul_backward = mul_backward;
  b.scale = scale;
  b.scale_backward = scale_backward;
}

}  // namespace lk::cuda
