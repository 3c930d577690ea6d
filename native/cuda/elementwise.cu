// Elementwise ops on CUDA. add: b has a's shape, or is 1-D over the last dim (broadcast over rows).
#include "cuda_backend.h"
#include "cuda_check.cuh"

namespace lk::cuda {
namespace {

__global__ void add_kernel(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ y,
                           long long n, long long b_len) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < n; i += stride) y[i] = a[i] + b[b_len == n ? i : i % b_len];
}

Tensor add(const Tensor& a, const Tensor& b) {
  DeviceScope scope(a.device().index);
  Tensor y = Tensor::empty(a.shape(), a.device());
  long long n = a.numel();
  if (n == 0) return y;
  int threads = 256;
  int blocks = ceil_div(n, threads) < 65535 ? ceil_div(n, threads) : 65535;
  add_kernel<<<blocks, threads, 0, current_stream()>>>(a.data(), b.data(), y.data(), n, b.numel());
  LK_CUDA_CHECK(cudaGetLastError());
  return y;
}

}  // namespace

void fill_elementwise(Backend& b) { b.add = add; }

}  // namespace lk::cuda
