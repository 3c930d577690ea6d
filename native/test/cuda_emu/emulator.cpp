// The emulator's runtime (include/cuda_runtime.h): launches run block after block on a pool of std::threads.
#include <cuda_runtime.h>

#include <cstdio>
#include <stdexcept>

thread_local uint3 threadIdx, blockIdx;
thread_local dim3 blockDim, gridDim;

namespace cuemu {

BlockCtx* ctx = nullptr;
thread_local int linear_tid = 0;

void note_copy(int kind, size_t bytes) {
  static const bool trace = std::getenv("CUEMU_TRACE_COPIES") != nullptr;
  if (trace && kind != cudaMemcpyDeviceToDevice)
    std::fprintf(stderr, "cuemu copy %s %zu bytes\n", kind == cudaMemcpyHostToDevice ? "H2D" : "D2H", bytes);
}

void launch(dim3 grid, dim3 block, size_t smem, const std::function<void()>& body) {
  const int nt = static_cast<int>(block.x * block.y * block.z);
  if (nt < 1 || nt > 1024 || nt % 32) throw std::runtime_error("cuemu: block size must be a multiple of 32 up to 1024");
  if (smem > 232448) throw std::runtime_error("cuemu: dynamic shared memory over the sm_90 limit");
  BlockCtx c;
  c.warps = std::vector<Bar>(nt / 32);
  c.slots.assign(nt, 0);
  c.smem.assign(smem, 0xAB);  // not zeros: real shared memory starts with garbage
  ctx = &c;
  std::barrier<> between(nt);
  auto reset = [&] {
    c.block.reset(nt);
    for (auto& w : c.warps) w.reset(32);
  };
  reset();
  std::vector<std::thread> threads;
  for (int t = 0; t < nt; t++)
    threads.emplace_back([&, t] {
      linear_tid = t;
      threadIdx = {static_cast<unsigned>(t % block.x), static_cast<unsigned>((t / block.x) % block.y),
                   static_cast<unsigned>(t / (block.x * block.y))};
      blockDim = block;
      gridDim = grid;
      for (unsigned bz = 0; bz < grid.z; bz++)
        for (unsigned by = 0; by < grid.y; by++)
          for (unsigned bx = 0; bx < grid.x; bx++) {
            blockIdx = {bx, by, bz};
            body();
            c.block.leave();
            c.warps[t >> 5].leave();
            between.arrive_and_wait();  // the whole block is done
            if (t == 0) reset();
            between.arrive_and_wait();
          }
    });
  for (auto& th : threads) th.join();
  ctx = nullptr;
}

}  // namespace cuemu
