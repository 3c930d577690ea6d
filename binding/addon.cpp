// The lkrobust Node addon: glue only. Each part registers its functions (register_<part> in <part>_binding.cpp).
#include <napi.h>

namespace lkb {
void register_ops(Napi::Env env, Napi::Object exports);
void register_info(Napi::Env env, Napi::Object exports);
void register_model(Napi::Env env, Napi::Object exports);
void register_bench(Napi::Env env, Napi::Object exports);
}  // namespace lkb

// Optional parts are weak so that the addon links while they are absent from a build.
namespace lkb {
__attribute__((weak)) void register_image(Napi::Env env, Napi::Object exports);
__attribute__((weak)) void register_pixels(Napi::Env env, Napi::Object exports);
}  // namespace lkb

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  lkb::register_ops(env, exports);
  lkb::register_info(env, exports);
  lkb::register_model(env, exports);
  if (lkb::register_image) lkb::register_image(env, exports);
  if (lkb::register_pixels) lkb::register_pixels(env, exports);
  lkb::register_bench(env, exports);
  return exports;
}

NODE_API_MODULE(lkrobust, Init)
