// Every CUDA runtime call is checked: a failure throws with the call site and CUDA's own message.
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#define LK_CUDA_CHECK(call)                                                                            \
  do {                                                                                                 \
    cudaError_t err_ = (call);                                                                         \
    if (err_ != cudaSuccess)                                                                           \
      throw std::runtime_error(std::string("CUDA error at " __FILE__ ":") + std::to_string(__LINE__) + \
                               ": " #call ": " + cudaGetErrorString(err_));                           \
  } while (0)

namespace lk::cuda {
inline int ceil_div(long long a, long long b) { return static_cast<int>((a + b - 1) / b); }
}  // namespace lk::cuda
