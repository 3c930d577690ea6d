// Native smoke test of the core: tensors, the op table, dispatch errors. Runs without Node (ctest).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/host_allocator.h"

static int failures = 0;
static void expect(bool ok, const std::string& what) {
  std::printf("%s - %s\n", ok ? "ok" : "not ok", what.c_str());
  if (!ok) failures++;
}

int main() {
  using namespace lk;
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
  std::printf("%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
