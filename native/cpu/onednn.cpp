#include "onednn.h"

#include "../core/host_allocator.h"

#include <cstdlib>
#include <vector>

namespace lk::cpu::onednn {

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

dnnl::primitive_attr default_attr() {
  dnnl::primitive_attr a;
  a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return a;
}

PrimitiveCache& PrimitiveCache::instance() {
  static PrimitiveCache c;
  return c;
}

size_t PrimitiveCache::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return map_.size();
}

void PrimitiveCache::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  map_.clear();
}

std::string key_of(const char* kind, std::initializer_list<int64_t> ints) {
  std::string k(kind);
  for (int64_t v : ints) {
    k += ',';
    k += std::to_string(v);
  }
  return k;
}

std::string key_append(std::string k, const memory::desc& d) {
  const dnnl_memory_desc_t& c = d.data;
  k += "|d";
  for (int i = 0; i < c.ndims; i++) k += ',' + std::to_string(c.dims[i]);
  if (c.format_kind == dnnl_blocked) {
    const auto& b = c.format_desc.blocking;
    k += "|s";
    for (int i = 0; i < c.ndims; i++) k += ',' + std::to_string(b.strides[i]);
    k += "|p";
    for (int i = 0; i < c.ndims; i++) k += ',' + std::to_string(c.padded_dims[i]);
    k += "|b";
    for (int i = 0; i < b.inner_nblks; i++) k += ',' + std::to_string(b.inner_blks[i]) + ':' + std::to_string(b.inner_idxs[i]);
    k += "|o" + std::to_string(c.offset0);
  } else {
    k += "|f" + std::to_string(static_cast<int>(c.format_kind));
  }
  return k;
}

namespace {

// This thread's scratchpad, grown on demand, 64-byte aligned.
struct Scratch {
  void* p = nullptr;
  size_t bytes = 0;
  ~Scratch() { std::free(p); }
  void* reserve(size_t n) {
    if (n <= bytes) return p;
    std::free(p);
    size_t want = (n + 63) / 64 * 64;
    p = std::aligned_alloc(64, want);
    if (!p) throw std::bad_alloc();
    bytes = want;
    return p;
  }
};

}  // namespace

void execute(const dnnl::primitive& prim, const memory::desc& scratch, std::unordered_map<int, memory> args) {
  thread_local Scratch s;
  size_t n = scratch.get_size();
  if (n > 0) args.emplace(DNNL_ARG_SCRATCHPAD, memory(scratch, engine(), s.reserve(n)));
  try {
    prim.execute(stream(), args);
    stream().wait();
  } catch (const dnnl::error& e) {
    throw std::runtime_error(std::string("oneDNN execution failed: ") + e.what());
  }
}

void reorder(const float* src, const memory::desc& from, float* dst, const memory::desc& to) {
  std::string key = key_append(key_append("reorder", from), to);
  using Entry = Cached<dnnl::reorder::primitive_desc, dnnl::reorder>;
  auto e = PrimitiveCache::instance().get<Entry>(key, [&] {
    dnnl::reorder::primitive_desc pd(engine(), from, engine(), to, default_attr());
    return Entry{pd, dnnl::reorder(pd)};
  });
  execute(e->prim, e->pd.scratchpad_desc(), {{DNNL_ARG_FROM, mem(from, src)}, {DNNL_ARG_TO, mem(to, dst)}});
}

Buffer alloc_for(const memory::desc& d) {
  size_t want = d.get_size();
  if (want == 0) want = 64;
  return Buffer(static_cast<float*>(host_alloc(want)), want);
}

WeightsView weights_in(const Tensor& w, const memory::desc& user, const memory::desc& want) {
  if (want == user) return {w.data(), nullptr};
  auto copy_now = [&] {
    auto b = std::make_shared<Buffer>(alloc_for(want));
    reorder(w.data(), user, b->get(), want);
    return b;
  };
  if (!w.frozen()) {
    auto b = copy_now();
    return {b->get(), b};
  }
  // Kept on the storage itself (Storage::derived), so the copy dies with the weights it was made from.
  Storage& st = *w.storage();
  const std::string key = key_append("w@" + std::to_string(w.data() - static_cast<const float*>(st.data)), want);
  std::lock_guard<std::mutex> lock(st.derived_mu);
  for (const auto& [k, copy] : st.derived)
    if (k == key) {
      auto b = std::static_pointer_cast<Buffer>(copy);
      return {b->get(), b};
    }
  auto b = copy_now();
  st.derived.emplace_back(key, b);
  return {b->get(), b};
}

void Buffer::reset() {
  if (p_) host_free(p_, bytes_);
  p_ = nullptr;
}

}  // namespace lk::cpu::onednn
