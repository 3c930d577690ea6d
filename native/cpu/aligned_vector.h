// 64-byte aligned float vectors, like the engine's tensors: what the raw depthwise kernels' streaming-store path
// checks for, so their test and bench drivers allocate their buffers this way.
#pragma once
#include <cstddef>
#include <new>
#include <vector>

namespace lk::cpu {

template <class T>
struct Aligned64 {
  using value_type = T;
  Aligned64() = default;
  template <class U>
  Aligned64(const Aligned64<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new[](n * sizeof(T), std::align_val_t(64))); }
  void deallocate(T* p, size_t) { ::operator delete[](p, std::align_val_t(64)); }
  template <class U>
  bool operator==(const Aligned64<U>&) const { return true; }
  template <class U>
  bool operator!=(const Aligned64<U>&) const { return false; }
};

using AlignedFloats = std::vector<float, Aligned64<float>>;

}  // namespace lk::cpu
