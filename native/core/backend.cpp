#include "backend.h"

namespace lk {

const char* op_name(Op op) {
  static const char* names[] = {
#define LK_OP_NAME(name) #name,
      LK_OPS(LK_OP_NAME)
#undef LK_OP_NAME
  };
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<size_t>(Op::COUNT), "op name table");
  int i = static_cast<int>(op);
  return (i >= 0 && i < static_cast<int>(Op::COUNT)) ? names[i] : "?";
}

bool backend_supports(const Backend& b, Op op) {
  switch (op) {
#define LK_OP_CASE(name) \
  case Op::name:         \
    return b.name != nullptr;
    LK_OPS(LK_OP_CASE)
#undef LK_OP_CASE
    case Op::COUNT:
      break;
  }
  return false;
}

const Backend& backend_for(Device d) {
  if (d.is_cpu()) return cpu::backend();
  const Backend* b = cuda::backend_or_null();
  if (!b) throw NotImplemented("device " + d.str() + ": this build has no CUDA backend (configure with LKR_CUDA=ON)");
  int n = cuda::device_count();
  if (n == 0)
    throw ArgError("device " + d.str() + ": this build has CUDA, but no CUDA device is visible (no GPU or no driver)");
  if (d.index >= n)
    throw ArgError("device " + d.str() + ": expected a CUDA device index below " + std::to_string(n) + " (" +
                   std::to_string(n) + " device(s) visible)");
  return *b;
}

bool cuda_compiled() { return cuda::backend_or_null() != nullptr; }

}  // namespace lk
