// runOpSync(name, inputs, attrs) and runOp(name, inputs, attrs) -> Promise: any engine op by name.
// The async form runs on libuv's worker pool (the engine's own OpenMP pool does the math); the input
// typed arrays are pinned by references until the worker finishes.
#include <napi.h>

#include "errors.h"
#include "core/backend.h"
#include "op_table.h"

namespace lkb {
namespace {

struct PreparedCall {
  OpRun run;
  Tensors inputs;
};

PreparedCall prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString())
    throw lk::ArgError("runOp: expected (name: string, inputs: Tensor[], attrs?: object), received " +
                       describe(info.Length() ? info[0] : env.Undefined()) + " as name");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  const OpEntry* e = find_op(name);
  if (!e) throw lk::ArgError("runOp: unknown op \"" + name + "\"");
  if (!info[1].IsArray()) throw lk::ArgError(name + ": expected inputs as an array, received " + describe(info[1]));
  Napi::Array arr = info[1].As<Napi::Array>();
  if (static_cast<int>(arr.Length()) != e->n_inputs)
    throw lk::ArgError(name + ": expected " + std::to_string(e->n_inputs) + " input tensor(s), received " +
                       std::to_string(arr.Length()));
  PreparedCall c;
  for (uint32_t i = 0; i < arr.Length(); i++)
    c.inputs.push_back(tensor_from_js(arr.Get(i), name + " input " + std::to_string(i)));
  Attrs attrs(env, info.Length() > 2 ? info[2] : env.Undefined(), name);
  c.run = e->prepare(attrs);
  return c;
}

Napi::Array results_to_js(Napi::Env env, const Tensors& outs, const Tensors& inputs) {
  Napi::Array a = Napi::Array::New(env, outs.size());
  for (size_t i = 0; i < outs.size(); i++) a.Set(static_cast<uint32_t>(i), tensor_to_js(env, outs[i], inputs));
  return a;
}

Napi::Value RunOpSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    PreparedCall c = prepare(info);
    Tensors outs = c.run(c.inputs);
    return results_to_js(env, outs, c.inputs);
  } catch (const std::exception& e) {
    to_js_error(env, classify(e)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
}

class OpWorker : public Napi::AsyncWorker {
 public:
  OpWorker(Napi::Env env, PreparedCall call, Napi::Array pinned)
      : Napi::AsyncWorker(env, "lkrobust:op"), call_(std::move(call)), deferred_(Napi::Promise::Deferred::New(env)) {
    pinned_ = Napi::Persistent(pinned.As<Napi::Object>());
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      outs_ = call_.run(call_.inputs);
    } catch (const std::exception& e) {
      err_ = classify(e);
      SetError(err_.message);
    }
  }
  void OnOK() override { deferred_.Resolve(results_to_js(Env(), outs_, call_.inputs)); }
  void OnError(const Napi::Error&) override { deferred_.Reject(to_js_error(Env(), err_).Value()); }

 private:
  PreparedCall call_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference pinned_;
  Tensors outs_;
  CaughtError err_;
};

Napi::Value RunOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    PreparedCall c = prepare(info);
    auto* w = new OpWorker(env, std::move(c), info[1].As<Napi::Array>());
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  } catch (const std::exception& e) {
    return rejected(env, e);
  }
}

Napi::Value ListOps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& ops = op_entries();
  Napi::Array a = Napi::Array::New(env, ops.size());
  for (size_t i = 0; i < ops.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", ops[i].name);
    o.Set("inputs", Napi::Number::New(env, ops[i].n_inputs));
    o.Set("cpu", Napi::Boolean::New(env, lk::backend_supports(lk::cpu::backend(), static_cast<lk::Op>(i))));
    const lk::Backend* cu = lk::cuda::backend_or_null();
    o.Set("cuda", Napi::Boolean::New(env, cu && lk::backend_supports(*cu, static_cast<lk::Op>(i))));
    a.Set(static_cast<uint32_t>(i), o);
  }
  return a;
}

}  // namespace

void register_ops(Napi::Env env, Napi::Object exports) {
  exports.Set("runOpSync", Napi::Function::New(env, RunOpSync, "runOpSync"));
  exports.Set("runOp", Napi::Function::New(env, RunOp, "runOp"));
  exports.Set("listOps", Napi::Function::New(env, ListOps, "listOps"));
}

}  // namespace lkb
