#include "host_allocator.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

namespace lk {
namespace {

constexpr size_t kMinCached = 64 << 10;  // smaller blocks stay in malloc's own bins

// Size class: the size rounded up to 8 steps per power of two (at most 12.5% unused).
size_t size_class(size_t bytes) {
  if (bytes < kMinCached) return (bytes + 63) / 64 * 64;
  size_t top = size_t(1) << (63 - __builtin_clzll(bytes));
  size_t step = top / 8;
  return (bytes + step - 1) / step * step;
}

size_t cache_limit() {
  const char* s = std::getenv("LKR_HOST_CACHE_MB");
  if (s && *s) {
    char* end = nullptr;
    unsigned long long mb = std::strtoull(s, &end, 10);
    if (end && *end == '\0') return static_cast<size_t>(mb) << 20;
  }
  return size_t(4096) << 20;
}

struct Cache {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_by_class;
  size_t cached = 0, hits = 0, allocs = 0;
  const size_t limit = cache_limit();
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: tensors may be freed during static destruction
  return *c;
}

void* system_alloc(size_t n) {
  void* p = n ? std::aligned_alloc(64, n) : nullptr;
  if (n && !p) throw std::bad_alloc();
  return p;
}

}  // namespace

void* host_alloc(size_t bytes) {
  const size_t n = size_class(bytes);
  if (n < kMinCached) return system_alloc(n);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_by_class.find(n);
    if (it != c.free_by_class.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached -= n;
      c.hits++;
      return p;
    }
    c.allocs++;
  }
  try {
    return system_alloc(n);
  } catch (const std::bad_alloc&) {
    host_release_cached();  // the cache may hold what the system lacks
    return system_alloc(n);
  }
}

void host_free(void* p, size_t bytes) {
  if (!p) return;
  const size_t n = size_class(bytes);
  if (n >= kMinCached) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.cached + n <= c.limit) {
      c.free_by_class[n].push_back(p);
      c.cached += n;
      return;
    }
  }
  std::free(p);
}

void host_release_cached() {
  Cache& c = cache();
  std::unordered_map<size_t, std::vector<void*>> blocks;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    blocks.swap(c.free_by_class);
    c.cached = 0;
  }
  for (auto& [n, list] : blocks)
    for (void* p : list) std::free(p);
}

HostAllocatorStats host_allocator_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return {c.cached, c.hits, c.allocs};
}

}  // namespace lk
