// .safetensors reading for the native drivers (the GPU machine has no Node): F32 tensors by name, checked as
// the TS reader checks (src/models/checkpoint/safetensors.ts): header bounds, offsets tiling the data, byte
// counts matching dtype x shape. Other dtypes are refused by name (the GPU check writes F32).
#pragma once
#include <map>
#include <string>

#include "core/tensor.h"

namespace lk::nn {

std::map<std::string, Tensor> read_safetensors(const std::string& path);

}  // namespace lk::nn
