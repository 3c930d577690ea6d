// Caching device allocator: freed blocks are kept per device in size classes and handed out again, so a
// forward pass does not call cudaMalloc/cudaFree per activation.
#pragma once
#include <cstddef>

namespace lk::cuda {

void* cached_alloc(size_t bytes, int device);
void cached_free(void* p, int device);
void release_cached_blocks();        // returns every cached (unused) block to the driver

struct AllocatorStats {
  size_t in_use_bytes, cached_bytes, device_allocs, cache_hits;
};
AllocatorStats allocator_stats();

}  // namespace lk::cuda
