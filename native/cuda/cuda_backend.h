// The CUDA backend's table, filled per family like the CPU's (native/cuda/<family>.cu). Entries left NULL
// throw "op <name> is not implemented on cuda".
#pragma once
#include <cuda_runtime.h>

#include "core/backend.h"

namespace lk::cuda {

void fill_activation(Backend& b);
void fill_conv(Backend& b);
void fill_elementwise(Backend& b);
void fill_gemm(Backend& b);
void fill_loss(Backend& b);
void fill_norm(Backend& b);
void fill_permute_pad(Backend& b);
void fill_pool(Backend& b);
void fill_softmax_attention(Backend& b);

// Makes `device` current for the scope (ops run on the device of their tensors).
struct DeviceScope {
  int prev = 0;
  explicit DeviceScope(int device);
  ~DeviceScope();
};

// The stream ops are queued on. Copies to the host synchronise it, so results are complete when read.
cudaStream_t current_stream();

}  // namespace lk::cuda
