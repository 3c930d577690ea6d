// CUDA skeleton check (ctest; the GPU machine has no Node.js): device tensors, the caching allocator,
// host/device copies, `add` on the GPU against the CPU, and the error for a device that is not there.
// (Every op against the CPU: backend_ops_test.cpp.)
// Exits 77 (ctest: skipped) when this build has no CUDA backend or the machine no GPU.
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "core/backend.h"

static int failures = 0;
static void expect(bool ok, const std::string& what) {
  std::printf("%s - %s\n", ok ? "ok" : "not ok", what.c_str());
  if (!ok) failures++;
}

int main() {
  using namespace lk;
  if (!cuda_compiled()) {
    std::printf("skip: this build has no CUDA backend\n");
    return 77;
  }
  if (cuda::device_count() == 0) {
    std::printf("skip: no CUDA device visible\n");
    return 77;
  }
  Device gpu{DeviceType::cuda, 0};
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> U(-1, 1);
  for (Shape s : {Shape{1}, Shape{7, 13}, Shape{2, 9, 11, 33}, Shape{3, 1000, 257}}) {
    std::vector<float> av(shape_numel(s)), bv(shape_numel(s)), rv(s.back());
    for (auto& v : av) v = U(rng);
    for (auto& v : bv) v = U(rng);
    for (auto& v : rv) v = U(rng);
    Tensor a = Tensor::from_vector(av, s), b = Tensor::from_vector(bv, s), r = Tensor::from_vector(rv, {s.back()});
    Tensor ag = a.to(gpu);
    expect(ag.device() == gpu && ag.to(cpu_device()).to_vector() == av, "round trip " + shape_str(s));
    expect(add(ag, b.to(gpu)).to_vector() == add(a, b).to_vector(), "add same shape " + shape_str(s));
    expect(add(ag, r.to(gpu)).to_vector() == add(a, r).to_vector(), "add row broadcast " + shape_str(s));
  }
  bool threw = false;
  try {
    add(Tensor::zeros({2, 2}).to(gpu), Tensor::zeros({2, 2}));
  } catch (const ArgError& e) {
    threw = std::string(e.what()).find("cuda:0") != std::string::npos;
  }
  expect(threw, "mixed devices are refused, naming them");
  std::string msg;
  try {
    Tensor::zeros({4}, Device{DeviceType::cuda, 63});
  } catch (const ArgError& e) {
    msg = e.what();
  }
  expect(msg.find("cuda:63") != std::string::npos && msg.find("device index below") != std::string::npos,
         "absent device error: \"" + msg + "\"");
  {
    Tensor t1 = Tensor::zeros({1024}, gpu);
    void* p1 = t1.data();
    t1 = Tensor();
    Tensor t2 = Tensor::zeros({1000}, gpu);
    expect(t2.data() == p1, "caching allocator reuses a freed block of the same size class");
    expect(t2.to_vector() == std::vector<float>(1000, 0.f), "zeros on device");
  }
  std::printf("%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
