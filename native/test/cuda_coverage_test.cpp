// Every op of LK_OPS has an entry in the CUDA backend's table. Needs no GPU: the table exists whenever the
// backend is compiled in, so this runs in CI (exit 77, skipped, only when the build has no CUDA).
#include <cstdio>

#include "core/backend.h"

int main() {
  using namespace lk;
  if (!cuda_compiled()) {
    std::printf("skip: this build has no CUDA backend\n");
    return 77;
  }
  const Backend& b = *cuda::backend_or_null();
  int missing = 0;
  for (int i = 0; i < static_cast<int>(Op::COUNT); i++) {
    const bool ok = backend_supports(b, static_cast<Op>(i));
    std::printf("%s - cuda implements %s\n", ok ? "ok" : "not ok", op_name(static_cast<Op>(i)));
    missing += ok ? 0 : 1;
  }
  std::printf("%d of %d op(s) missing on cuda\n", missing, static_cast<int>(Op::COUNT));
  return missing ? 1 : 0;
}
