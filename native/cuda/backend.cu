#include <cstring>

#include "allocator.h"
#include "core/runtime_info.h"
#include "cuda_backend.h"
#include "cuda_check.cuh"

#ifndef LKR_CUDA_ARCHS
#define LKR_CUDA_ARCHS ""
#endif

namespace lk::cuda {
namespace {

void* alloc(size_t bytes, int device) { return cached_alloc(bytes, device); }
void free_block(void* p, int device) { cached_free(p, device); }

void copy_to_host(void* dst, const void* src, size_t bytes, int device) {
  DeviceScope s(device);
  LK_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, current_stream()));
  LK_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
}

void copy_from_host(void* dst, const void* src, size_t bytes, int device) {
  DeviceScope s(device);
  LK_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, current_stream()));
  // The host buffer may be freed right after this returns (pageable memory): wait.
  LK_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
}

void memset_zero(void* p, size_t bytes, int device) {
  DeviceScope s(device);
  LK_CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, current_stream()));
}

Backend make_backend() {
  Backend b;
  std::memset(&b, 0, sizeof(b));
  b.name = "cuda";
  b.alloc = alloc;
  b.free = free_block;
  b.copy_to_host = copy_to_host;
  b.copy_from_host = copy_from_host;
  b.memset_zero = memset_zero;
  fill_activation(b);
  fill_conv(b);
  fill_elementwise(b);
  fill_gemm(b);
  fill_loss(b);
  fill_norm(b);
  fill_permute_pad(b);
  fill_pool(b);
  fill_softmax_attention(b);
  return b;
}

}  // namespace

DeviceScope::DeviceScope(int device) {
  LK_CUDA_CHECK(cudaGetDevice(&prev));
  if (prev != device) LK_CUDA_CHECK(cudaSetDevice(device));
}
DeviceScope::~DeviceScope() { cudaSetDevice(prev); }

// The legacy default stream: one stream per device, whichever host thread queues the work. The caching
// allocator hands a freed block to the next request without waiting for the kernels that used it, which is
// safe only while every kernel is ordered on one stream (Node runs models on several worker threads).
cudaStream_t current_stream() { return cudaStreamLegacy; }

const Backend* backend_or_null() {
  static const Backend b = make_backend();
  return &b;
}

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // no driver or no device: not an error for a CPU-only run
    return 0;
  }
  return n;
}

std::vector<CudaDeviceInfo> devices() {
  std::vector<CudaDeviceInfo> out;
  int n = device_count();
  for (int i = 0; i < n; i++) {
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
    out.push_back({i, p.name, p.major, p.minor, p.totalGlobalMem, p.multiProcessorCount});
  }
  return out;
}

std::string runtime_version() {
  int v = 0;
  cudaRuntimeGetVersion(&v);
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

std::string compiled_architectures() { return LKR_CUDA_ARCHS; }

}  // namespace lk::cuda
