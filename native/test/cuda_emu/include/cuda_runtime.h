// Stands in for CUDA's header when native/cuda's kernels are compiled as C++ by the emulator (run.sh): the
// runtime calls the backend makes (memory on the host heap, copies as memcpy, one device of sm_90's limits),
// the device built-ins they use, and the execution model: one block at a time, one std::thread per CUDA
// thread, __syncthreads and warp shuffles as barriers over the threads still running.
#pragma once
#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>
#include <barrier>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __shared__ static

using std::max;
using std::min;

struct uint3 { unsigned x, y, z; };
struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
extern thread_local uint3 threadIdx, blockIdx;
extern thread_local dim3 blockDim, gridDim;

typedef int cudaError_t;
enum { cudaSuccess = 0, cudaErrorMemoryAllocation = 2 };
typedef void* cudaStream_t;
typedef void* cudaEvent_t;
#define cudaStreamLegacy ((cudaStream_t)0x1)
#define cudaStreamPerThread ((cudaStream_t)0x2)
enum cudaMemcpyKind { cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost, cudaMemcpyDeviceToDevice };
enum cudaDeviceAttr { cudaDevAttrMaxSharedMemoryPerBlockOptin, cudaDevAttrClockRate };
enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize };
struct cudaDeviceProp { char name[256]; int major, minor; size_t totalGlobalMem; int multiProcessorCount; };

inline cudaError_t cudaMalloc(void** p, size_t n) { *p = std::malloc(n ? n : 1); return cudaSuccess; }
inline cudaError_t cudaFree(void* p) { std::free(p); return cudaSuccess; }
namespace cuemu {
void note_copy(int kind, size_t bytes);  // CUEMU_TRACE_COPIES=1: every host<->device copy to stderr
}
inline cudaError_t cudaMemcpy(void* d, const void* s, size_t n, cudaMemcpyKind k) {
  cuemu::note_copy(k, n);
  std::memcpy(d, s, n);
  return cudaSuccess;
}
inline cudaError_t cudaMemcpyAsync(void* d, const void* s, size_t n, cudaMemcpyKind k, cudaStream_t) {
  cuemu::note_copy(k, n);
  std::memcpy(d, s, n);
  return cudaSuccess;
}
inline cudaError_t cudaMemsetAsync(void* p, int v, size_t n, cudaStream_t) { std::memset(p, v, n); return cudaSuccess; }
inline cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
inline cudaError_t cudaGetDevice(int* d) { *d = 0; return cudaSuccess; }
inline cudaError_t cudaSetDevice(int) { return cudaSuccess; }
inline cudaError_t cudaGetDeviceCount(int* n) { *n = 1; return cudaSuccess; }
inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline const char* cudaGetErrorString(cudaError_t) { return "emulated error"; }
template <class F> cudaError_t cudaFuncSetAttribute(F, cudaFuncAttribute, int) { return cudaSuccess; }
inline cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr a, int) {
  *v = a == cudaDevAttrMaxSharedMemoryPerBlockOptin ? 232448 : 1980000;
  return cudaSuccess;
}
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int) {
  std::strcpy(p->name, "emulated"); p->major = 9; p->minor = 0; p->totalGlobalMem = 1ull << 34; p->multiProcessorCount = 132;
  return cudaSuccess;
}
inline cudaError_t cudaRuntimeGetVersion(int* v) { *v = 13000; return cudaSuccess; }

inline float normcdff(float x) { return 0.5f * std::erfc(-x * 0.70710678118654752f); }
using std::isnan;

namespace cuemu {

struct Bar {  // barrier over the live threads; a thread leaving the kernel stops being waited for
  std::mutex m;
  std::condition_variable cv;
  int live = 0, waiting = 0;
  long gen = 0;
  void reset(int n) { live = n; waiting = 0; }
  void wait() {
    std::unique_lock<std::mutex> l(m);
    long g = gen;
    if (++waiting == live) { waiting = 0; gen++; cv.notify_all(); }
    else cv.wait(l, [&] { return gen != g; });
  }
  void leave() {
    std::unique_lock<std::mutex> l(m);
    live--;
    if (waiting > 0 && waiting == live) { waiting = 0; gen++; cv.notify_all(); }
  }
};

struct BlockCtx {
  Bar block;
  std::vector<Bar> warps;
  std::vector<unsigned long long> slots;  // per thread, for shuffles
  std::vector<unsigned char> smem;
};
extern BlockCtx* ctx;
extern thread_local int linear_tid;
inline float* dynamic_smem() { return reinterpret_cast<float*>(ctx->smem.data()); }

void launch(dim3 grid, dim3 block, size_t smem, const std::function<void()>& body);
inline void launch(dim3 grid, dim3 block, const std::function<void()>& body) { launch(grid, block, 0, body); }

}  // namespace cuemu

inline void __syncthreads() { cuemu::ctx->block.wait(); }

template <class T>
T __shfl_xor_sync(unsigned, T v, int o) {
  static_assert(sizeof(T) <= 8, "shuffle of a value up to 8 bytes");
  auto* c = cuemu::ctx;
  const int t = cuemu::linear_tid, lane = t & 31, warp = t >> 5;
  unsigned long long bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  c->slots[t] = bits;
  c->warps[warp].wait();
  unsigned long long got = c->slots[(warp << 5) | (lane ^ o)];
  c->warps[warp].wait();
  T r;
  std::memcpy(&r, &got, sizeof(T));
  return r;
}
