// Shared pieces of the CUDA kernels: launch sizes, a checked launch, block reductions, a scratch buffer from
// the caching allocator and the column sum used by every bias/affine-parameter gradient.
#pragma once
#include <cstdint>

#include "allocator.h"
#include "cuda_backend.h"
#include "cuda_check.cuh"

namespace lk::cuda {

constexpr int kThreads = 256;

// Grid for a grid-stride loop over n items: enough blocks to fill the card, capped so the index fits.
inline int grid_for(long long n, int threads = kThreads) {
  long long b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  return static_cast<int>(b < 65535LL * 16 ? b : 65535LL * 16);
}

// Launch errors (bad configuration) surface here, at the op that caused them, not at the next copy.
inline void check_launch() { LK_CUDA_CHECK(cudaGetLastError()); }

// Device scratch memory of `count` T from the caching allocator, returned to it when the scope ends. Later
// kernels on the same stream are ordered after the ones using it, so reuse is safe.
template <class T>
struct Scratch {
  T* ptr = nullptr;
  int device;
  Scratch(size_t count, int dev) : device(dev) { ptr = static_cast<T*>(cached_alloc(count * sizeof(T), dev)); }
  ~Scratch() { cached_free(ptr, device); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// Sum over the block of one value per thread (blockDim.x a multiple of 32, at most 1024); every thread gets
// the total. `shared` holds 32 values; the call starts and ends with a barrier so it can be called in a row.
template <class T>
__device__ T block_sum(T v, T* shared) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  T t = lane < warps ? shared[lane] : T(0);
  for (int o = 16; o > 0; o >>= 1) t += __shfl_xor_sync(0xffffffffu, t, o);
  return t;
}

template <class T>
__device__ T block_max(T v, T* shared) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  T t = lane < warps ? shared[lane] : -INFINITY;
  for (int o = 16; o > 0; o >>= 1) t = fmaxf(t, __shfl_xor_sync(0xffffffffu, t, o));
  return t;
}

// out[c] = sum over rows r of a[r, c] (times m[r, c] when m is given), accumulated in double; a, m (R, C).
void column_sum(const float* a, const float* m, float* out, int64_t R, int64_t C);

// A device-to-device copy on the op stream (clone without a host round trip).
Tensor device_clone(const Tensor& t);

}  // namespace lk::cuda
