#include <oneapi/dnnl/dnnl.h>

#include "core/runtime_info.h"

namespace lk {

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

}  // namespace lk
