// Built when the CUDA backend is not compiled in (LKR_CUDA=OFF, or AUTO without nvcc).
#include "backend.h"

namespace lk::cuda {

const Backend* backend_or_null() { return nullptr; }
int device_count() { return 0; }

}  // namespace lk::cuda

#include "runtime_info.h"

namespace lk::cuda {

std::vector<CudaDeviceInfo> devices() { return {}; }
std::string runtime_version() { return ""; }
std::string compiled_architectures() { return ""; }

}  // namespace lk::cuda
