// info(): what the engine offers on this machine (backends, ISA, threads, oneDNN, CUDA devices).
#include <napi.h>

#include "core/backend.h"
#include "core/runtime_info.h"
#include "cpu/dwconv.h"
#include "cpu/isa.h"
#include "errors.h"

namespace lkb {
namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    Napi::Object o = Napi::Object::New(env);
    Napi::Object cpu = Napi::Object::New(env);
    cpu.Set("isa", lk::cpu::isa_str(lk::cpu::active_isa()));
    cpu.Set("isa_detected", lk::cpu::isa_str(lk::cpu::detected_isa()));
    cpu.Set("threads", Napi::Number::New(env, lk::cpu::num_threads()));
    cpu.Set("onednn", lk::onednn_version());
    cpu.Set("dwconv_isa", lk::cpu::dw::isa_name());
    o.Set("cpu", cpu);
    Napi::Object cuda = Napi::Object::New(env);
    cuda.Set("compiled", Napi::Boolean::New(env, lk::cuda_compiled()));
    cuda.Set("runtime", lk::cuda::runtime_version());
    cuda.Set("architectures", lk::cuda::compiled_architectures());
    auto devs = lk::cuda::devices();
    Napi::Array da = Napi::Array::New(env, devs.size());
    for (size_t i = 0; i < devs.size(); i++) {
      Napi::Object d = Napi::Object::New(env);
      d.Set("index", Napi::Number::New(env, devs[i].index));
      d.Set("name", devs[i].name);
      d.Set("compute_capability", std::to_string(devs[i].cc_major) + "." + std::to_string(devs[i].cc_minor));
      d.Set("memory_bytes", Napi::Number::New(env, static_cast<double>(devs[i].total_bytes)));
      d.Set("multiprocessors", Napi::Number::New(env, devs[i].multiprocessors));
      da.Set(static_cast<uint32_t>(i), d);
    }
    cuda.Set("devices", da);
    o.Set("cuda", cuda);
    o.Set("ops", Napi::Number::New(env, static_cast<int>(lk::Op::COUNT)));
    return o;
  } catch (const std::exception& e) {
    to_js_error(env, classify(e)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
}

}  // namespace

void register_info(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info, "info"));
}

}  // namespace lkb
