// Native smoke test of the core: tensors, the op table, dispatch errors, the op profiler. Runs without Node
// (ctest).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/host_allocator.h"
#include "core/profile.h"

static int failures = 0;
static void expect(bool ok, const std::string& what) {
  std::printf("%s - %s\n", ok ? "ok" : "not ok", what.c_str());
  if (!ok) failures++;
}

int main() {
  using namespace lk;
  setenv("LKR_HOST_CACHE_MB", "2", 1);  // before the first cached allocation: a cache small enough to fill
  Tensor t = Tensor::zeros({2, 3});
  expect(t.numel() == 6 && t.data()[5] == 0.f, "zeros");
  Tensor r = t.reshape({3, -1});
  expect(r.shape() == Shape({3, 2}) && r.data() == t.data(), "reshape shares storage");
  bool threw = false;
  try {
    t.reshape({4, 2});
  } catch (const ArgError& e) {
    threw = std::string(e.what()).find("(2, 3)") != std::string::npos;
  }
  expect(threw, "bad reshape names both shapes");
  expect(std::string(op_name(Op::conv2d)) == "conv2d" && std::string(op_name(Op::cross_entropy_backward)) ==
                                                               "cross_entropy_backward",
         "op name table");
  int cpu_ops = 0;
  for (int i = 0; i < static_cast<int>(Op::COUNT); i++) cpu_ops += backend_supports(cpu::backend(), static_cast<Op>(i));
  expect(cpu_ops == static_cast<int>(Op::COUNT), "cpu implements every op (" + std::to_string(cpu_ops) + "/" +
                                                     std::to_string(static_cast<int>(Op::COUNT)) + ")");
  Tensor a = Tensor::from_vector({1, -2, 3, -4}, {2, 2});
  Tensor y = relu(a);
  expect(y.to_vector() == std::vector<float>({1, 0, 3, 0}), "relu on cpu");

  // Host allocator: a freed block of a cached size comes back; blocks are 64-byte aligned.
  {
    HostAllocatorStats before = host_allocator_stats();
    void* p = host_alloc(1 << 20);
    expect(reinterpret_cast<uintptr_t>(p) % 64 == 0, "host_alloc: 64-byte aligned");
    host_free(p, 1 << 20);
    void* q = host_alloc((1 << 20) - 100);  // same size class
    expect(q == p && host_allocator_stats().cache_hits == before.cache_hits + 1, "host_alloc: a freed block is reused");
    host_free(q, (1 << 20) - 100);
    void* small = host_alloc(24);
    expect(small && reinterpret_cast<uintptr_t>(small) % 64 == 0, "host_alloc: small blocks aligned too");
    host_free(small, 24);
    host_release_cached();
    expect(host_allocator_stats().cached_bytes == 0, "host_release_cached empties the cache");
  }
  {  // a full cache makes room for a new size by dropping the size used least recently
    std::vector<void*> old;
    for (int i = 0; i < 8; i++) old.push_back(host_alloc(256 << 10));
    for (void* p : old) host_free(p, 256 << 10);
    expect(host_allocator_stats().cached_bytes == size_t(2) << 20, "host_alloc: eight 256 KiB blocks fill a 2 MiB cache");
    void* b1 = host_alloc(512 << 10);
    void* b2 = host_alloc(512 << 10);
    host_free(b1, 512 << 10);
    host_free(b2, 512 << 10);
    const HostAllocatorStats s = host_allocator_stats();
    void* b3 = host_alloc(512 << 10);
    expect(s.cached_bytes == size_t(2) << 20 && host_allocator_stats().cache_hits == s.cache_hits + 1 &&
               (b3 == b1 || b3 == b2),
           "host_alloc: the new size is cached in place of the old (a hit, the cache still full)");
    host_free(b3, 512 << 10);
    host_release_cached();
  }

  // Frozen weights are reordered once and cached by storage; a new frozen tensor (even at a reused address)
  // must not see the old copy. Each result equals the same conv with an unfrozen copy of the weights.
  {
    auto ramp = [](int64_t n, float k) {
      std::vector<float> v(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; i++) v[i] = std::sin(k * static_cast<float>(i + 1));
      return v;
    };
    Conv2dArgs ca;
    ca.pad_t = ca.pad_b = ca.pad_l = ca.pad_r = 1;
    Tensor x = Tensor::from_vector(ramp(2 * 9 * 9 * 16, 0.37f), {2, 9, 9, 16});
    bool same = true;
    for (int round = 0; round < 3; round++) {
      std::vector<float> wv = ramp(32 * 16 * 3 * 3, 0.11f * static_cast<float>(round + 1));
      Tensor wf = Tensor::from_vector(wv, {32, 16, 3, 3});
      wf.freeze();
      Tensor wp = Tensor::from_vector(wv, {32, 16, 3, 3});
      for (int rep = 0; rep < 2; rep++) {
        same = same && conv2d(x, wf, Tensor(), ca).to_vector() == conv2d(x, wp, Tensor(), ca).to_vector();
        Tensor dy = Tensor::from_vector(ramp(2 * 9 * 9 * 32, 0.5f), {2, 9, 9, 32});
        same = same && conv2d_backward_input(dy, wf, x.shape(), ca).to_vector() ==
                           conv2d_backward_input(dy, wp, x.shape(), ca).to_vector();
      }
    }
    expect(same, "conv with frozen (cached) weights = conv with plain weights, across new tensors");
  }
  {  // profiler: a convolution's valid-tap MACs against a brute-force count, dense MACs, times, nesting
    struct G { int h, w, kh, kw, s, d, pt, pl, pb, pr; };
    bool all = true;
    for (const G& g : {G{7, 9, 3, 5, 1, 1, 1, 2, 1, 2}, G{8, 8, 7, 7, 2, 1, 3, 3, 3, 3}, G{5, 6, 3, 3, 2, 2, 2, 0, 2, 1},
                       G{14, 14, 13, 13, 1, 1, 6, 6, 6, 6}, G{4, 4, 1, 1, 1, 1, 0, 0, 0, 0}}) {
      const int oh = (g.h + g.pt + g.pb - (g.kh - 1) * g.d - 1) / g.s + 1, ow = (g.w + g.pl + g.pr - (g.kw - 1) * g.d - 1) / g.s + 1;
      double brute = 0;
      for (int o = 0; o < oh; o++)
        for (int j = 0; j < ow; j++)
          for (int i = 0; i < g.kh; i++)
            for (int l = 0; l < g.kw; l++) {
              const int r = o * g.s + i * g.d - g.pt, c = j * g.s + l * g.d - g.pl;
              brute += r >= 0 && r < g.h && c >= 0 && c < g.w;
            }
      const auto m = profile::conv2d_macs(2, g.h, g.w, 6, 4, 2, g.kh, g.kw, oh, ow, g.s, g.s, g.d, g.d, g.pt, g.pl);
      all = all && m.valid == brute * 2 * 4 * 3 && m.dense == 2.0 * oh * ow * g.kh * g.kw * 4 * 3;
    }
    expect(all, "profile: conv2d valid-tap MACs = brute-force count, dense = every tap");
    Tensor x = Tensor::zeros({1, 6, 6, 4}), w = Tensor::zeros({8, 4, 3, 3});
    Conv2dArgs a;
    a.pad_t = a.pad_b = a.pad_l = a.pad_r = 1;
    profile::start();
    conv2d(x, w, Tensor(), a);
    conv2d(x, w, Tensor(), a);
    relu(x);
    const auto rows = profile::stop();
    conv2d(x, w, Tensor(), a);  // not counted: the profiler is off
    const double valid = 2.0 * 8 * 4 * 16 * 16;  // per dimension, 6 outputs see 3+3+3+3+2+2 = 16 taps
    expect(rows.size() == 2 && rows[0].op == Op::conv2d && rows[0].calls == 2 && rows[0].macs == valid &&
               rows[0].dense_macs == 2.0 * 36 * 9 * 8 * 4 && rows[0].seconds > 0 && rows[1].op == Op::relu &&
               rows[1].calls == 1 && rows[1].macs == 0,
           "profile: calls, MACs and times per op kind, only while on");
    expect(profile::depth() == 0, "profile: nesting depth back to 0");
  }
  std::printf("%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
