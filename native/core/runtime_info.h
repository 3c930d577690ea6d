// What this build and machine offer: reported by `lkrobust info`.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace lk {

struct CudaDeviceInfo {
  int index;
  std::string name;
  int cc_major, cc_minor;
  size_t total_bytes;
  int multiprocessors;
};

namespace cuda {
std::vector<CudaDeviceInfo> devices();   // empty without a build or a GPU
std::string runtime_version();           // "" when not compiled
std::string compiled_architectures();    // e.g. "80;90"
}  // namespace cuda

std::string onednn_version();

}  // namespace lk
