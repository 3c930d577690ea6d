// Native smoke test of the core: tensors, the op table, dispatch errors. Runs without Node (ctest).
#include <cmath>
#include <cstdio>
#include <string>

#include "core/backend.h"

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
  std::printf("%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
