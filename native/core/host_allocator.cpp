#include "host_allocator.h"

#include <cstdint>
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

struct SizeClass {
  std::vector<void*> blocks;
  uint64_t last_use = 0;  // Cache::tick when a block of this class was last handed out or returned
};

struct Cache {
  std::mutex mu;
  std::unordered_map<size_t, SizeClass> classes;
  size_t cached = 0, hits = 0, allocs = 0;
  uint64_t tick = 0;
  const size_t limit = cache_limit();
};

// A full cache makes room for a freed block of class n by dropping blocks of the class used least recently
// (not n): after one model the cache is full of its sizes, and the next model's blocks would otherwise all go
// back to the system and fault in again on every pass. The dropped blocks are appended to `out`, to be freed
// outside the lock. Returns whether n now fits.
bool make_room(Cache& c, size_t n, std::vector<void*>& out) {
  while (c.cached + n > c.limit) {
    SizeClass* victim = nullptr;
    size_t victim_size = 0;
    for (auto& [size, cls] : c.classes)
      if (size != n && !cls.blocks.empty() && (!victim || cls.last_use < victim->last_use)) victim = &cls, victim_size = size;
    if (!victim) return false;
    out.push_back(victim->blocks.back());
    victim->blocks.pop_back();
    c.cached -= victim_size;
  }
  return true;
}

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
    auto it = c.classes.find(n);
    if (it != c.classes.end() && !it->second.blocks.empty()) {
      void* p = it->second.blocks.back();
      it->second.blocks.pop_back();
      it->second.last_use = ++c.tick;
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
  std::vector<void*> dropped;
  bool kept = false;
  if (n >= kMinCached) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    if (n <= c.limit && make_room(c, n, dropped)) {
      SizeClass& cls = c.classes[n];
      cls.blocks.push_back(p);
      cls.last_use = ++c.tick;
      c.cached += n;
      kept = true;
    }
  }
  for (void* q : dropped) std::free(q);
  if (!kept) std::free(p);
}

void host_release_cached() {
  Cache& c = cache();
  std::unordered_map<size_t, SizeClass> classes;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    classes.swap(c.classes);
    c.cached = 0;
  }
  for (auto& [n, cls] : classes)
    for (void* p : cls.blocks) std::free(p);
}

HostAllocatorStats host_allocator_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return {c.cached, c.hits, c.allocs};
}

}  // namespace lk
