// Shared oneDNN plumbing for the CPU backend: one engine, a stream per calling thread, a primitive cache keyed
// by a string of shapes + attributes (so repeated calls reuse primitives instead of re-creating them), and
// memory-descriptor helpers.
//
// Thread safety: every primitive is created with scratchpad_mode::user and executed through `execute`, which
// hands it a scratchpad owned by the calling thread. With the Debian build of oneDNN (global, non-concurrent
// library scratchpad) that is what makes one cached primitive safe to run from several worker threads at once.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "../core/tensor.h"

namespace lk::cpu::onednn {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dims = dnnl::memory::dims;

dnnl::engine& engine();
dnnl::stream& stream();  // this thread's stream

// Attributes every cached primitive is created with (user-managed scratchpad, see above).
dnnl::primitive_attr default_attr();

// f32 memory descriptors.
inline memory::desc md(const dims& d, tag t) { return memory::desc(d, memory::data_type::f32, t); }
inline memory::desc md_strided(const dims& d, const dims& strides) {
  return memory::desc(d, memory::data_type::f32, strides);
}
// A dnnl::memory viewing `p` (never owning it).
inline memory mem(const memory::desc& d, const float* p) {
  return memory(d, engine(), const_cast<float*>(p));
}

// A cached primitive and its descriptor.
template <class Pd, class Prim>
struct Cached {
  Pd pd;
  Prim prim;
};

// Process-wide cache: type-erased entries under a string key. Bounded: when full it is simply cleared (the
// working set of a model is a few hundred shapes; clearing is rare and only costs re-creation).
class PrimitiveCache {
 public:
  static PrimitiveCache& instance();

  template <class T, class Make>
  std::shared_ptr<T> get(const std::string& key, Make&& make) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = map_.find(key);
      if (it != map_.end()) return std::static_pointer_cast<T>(it->second);
    }
    // Created outside the lock (creation can take milliseconds); a racing thread may create a twin, harmless.
    std::shared_ptr<T> made;
    try {
      made = std::make_shared<T>(make());
    } catch (const dnnl::error& e) {
      throw std::runtime_error("oneDNN could not create a primitive for " + key + ": " + e.what());
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (map_.size() >= kCapacity) map_.clear();
    auto ins = map_.emplace(key, made);
    return std::static_pointer_cast<T>(ins.first->second);
  }
  size_t size();
  void clear();

 private:
  static constexpr size_t kCapacity = 4096;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<void>> map_;
};

// Key building: kind + every integer that shapes the primitive.
std::string key_of(const char* kind, std::initializer_list<int64_t> ints);
std::string key_append(std::string k, const memory::desc& d);  // adds dims + strides of a plain desc

// Execute `prim` on this thread's stream with this thread's scratchpad (sized from `scratch`), then wait.
void execute(const dnnl::primitive& prim, const memory::desc& scratch,
             std::unordered_map<int, memory> args);

// Copy `src` (in layout `from`) into `dst` (layout `to`) with a cached reorder; same logical dims.
void reorder(const float* src, const memory::desc& from, float* dst, const memory::desc& to);

// A float buffer for a layout oneDNN picked (e.g. blocked weights); 64-byte aligned.
// From the caching host allocator (core/host_allocator.h); move-only.
class Buffer {
 public:
  Buffer() = default;
  Buffer(float* p, size_t bytes) : p_(p), bytes_(bytes) {}
  Buffer(Buffer&& o) noexcept : p_(o.p_), bytes_(o.bytes_) { o.p_ = nullptr; }
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = o.p_, bytes_ = o.bytes_;
      o.p_ = nullptr;
    }
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { reset(); }
  float* get() const { return p_; }

 private:
  void reset();
  float* p_ = nullptr;
  size_t bytes_ = 0;
};
Buffer alloc_for(const memory::desc& d);

// Weights `w` (layout `user`) in the layout `want`. A frozen tensor (Tensor::freeze) is reordered once and the
// copy kept while the tensor lives; otherwise the copy is made per call. The returned handle keeps it alive.
struct WeightsView {
  const float* data;
  std::shared_ptr<Buffer> hold;
};
WeightsView weights_in(const Tensor& w, const memory::desc& user, const memory::desc& want);

}  // namespace lk::cpu::onednn
