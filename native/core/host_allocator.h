// Caching host allocator for tensor storage. In a VM a page fault costs microseconds, and glibc hands large
// blocks allocated on worker threads back to the kernel on free, so without a cache every activation of every
// pass faults its pages in again (ResNet-50 at 224², batch 8: 2.7x slower forward). Freed blocks of 64 KiB and
// more are kept in size classes and handed out again; the cache is capped (LKR_HOST_CACHE_MB, default 4096), and
// when full it drops the blocks of the size class used least recently to keep a newly freed one.
#pragma once
#include <cstddef>

namespace lk {

// 64-byte aligned; never returns null (throws std::bad_alloc). host_free needs the size asked for.
void* host_alloc(size_t bytes);
void host_free(void* p, size_t bytes);
void host_release_cached();  // returns every cached block to the system

struct HostAllocatorStats {
  size_t cached_bytes, cache_hits, system_allocs;
};
HostAllocatorStats host_allocator_stats();

}  // namespace lk
