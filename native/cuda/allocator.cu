#include <map>
#include <mutex>
#include <unordered_map>

#include "allocator.h"
#include "cuda_check.cuh"

namespace lk::cuda {
namespace {

// Round up to 512 B below 1 MiB and to 2 MiB above, so that similar sizes share blocks.
size_t size_class(size_t bytes) {
  const size_t small = 512, large = 2u << 20;
  if (bytes < (1u << 20)) return (bytes + small - 1) / small * small;
  return (bytes + large - 1) / large * large;
}

struct Pool {
  std::mutex mu;
  std::multimap<size_t, void*> free_blocks[64];  // per device: size -> block
  std::unordered_map<void*, size_t> live;         // block -> size
  AllocatorStats stats{};
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: blocks may be freed during static destruction
  return *p;
}

struct DeviceGuard {
  int prev = 0;
  explicit DeviceGuard(int d) {
    LK_CUDA_CHECK(cudaGetDevice(&prev));
    if (prev != d) LK_CUDA_CHECK(cudaSetDevice(d));
  }
  ~DeviceGuard() { cudaSetDevice(prev); }
};

}  // namespace

void* cached_alloc(size_t bytes, int device) {
  if (device < 0 || device >= 64) throw std::runtime_error("cuda allocator: device index out of range");
  size_t sz = size_class(bytes ? bytes : 1);
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mu);
    auto& fb = p.free_blocks[device];
    auto it = fb.lower_bound(sz);
    // Reuse a cached block when it is not much larger than asked (at most 2x), to bound waste.
    if (it != fb.end() && it->first <= 2 * sz) {
      void* ptr = it->second;
      size_t got = it->first;
      fb.erase(it);
      p.live[ptr] = got;
      p.stats.cached_bytes -= got;
      p.stats.in_use_bytes += got;
      p.stats.cache_hits++;
      return ptr;
    }
  }
  DeviceGuard g(device);
  void* ptr = nullptr;
  cudaError_t err = cudaMalloc(&ptr, sz);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    release_cached_blocks();  // give the cache back, then try once more
    err = cudaMalloc(&ptr, sz);
  }
  if (err != cudaSuccess)
    throw std::runtime_error("cuda:" + std::to_string(device) + ": cannot allocate " + std::to_string(sz) +
                             " bytes: " + cudaGetErrorString(err));
  std::lock_guard<std::mutex> lock(p.mu);
  p.live[ptr] = sz;
  p.stats.in_use_bytes += sz;
  p.stats.device_allocs++;
  return ptr;
}

void cached_free(void* ptr, int device) {
  if (!ptr) return;
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  auto it = p.live.find(ptr);
  if (it == p.live.end()) return;  // not ours: ignore rather than corrupt the pool
  size_t sz = it->second;
  p.live.erase(it);
  p.free_blocks[device].emplace(sz, ptr);
  p.stats.in_use_bytes -= sz;
  p.stats.cached_bytes += sz;
}

void release_cached_blocks() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  for (int d = 0; d < 64; d++) {
    if (p.free_blocks[d].empty()) continue;
    DeviceGuard g(d);
    for (auto& [sz, ptr] : p.free_blocks[d]) {
      cudaFree(ptr);
      p.stats.cached_bytes -= sz;
    }
    p.free_blocks[d].clear();
  }
}

AllocatorStats allocator_stats() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  return p.stats;
}

}  // namespace lk::cuda
