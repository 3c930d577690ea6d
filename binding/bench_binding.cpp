// benchDwconv({reps, warmup, passes, rows, device}) -> Promise<string JSON>: the depthwise kernel benchmark
// (native/bench/dwconv_bench_core.h) on a worker thread.
// fmaPeak() -> Promise<number>: the measured fp32 FMA peak of this CPU in GFLOP/s, all engine threads.
// profileStart() / profileStop() -> [{op, calls, ms, macs, dense_macs}]: the op profiler (core/profile.h).
#include <napi.h>

#include <functional>
#include <string>

#include "bench/dwconv_bench_core.h"
#include "core/engine_thread.h"
#include "core/profile.h"
#include "errors.h"
#include "js_tensor.h"

namespace lkb {
namespace {

Napi::Value to_js(Napi::Env env, const std::string& s) { return Napi::String::New(env, s); }
Napi::Value to_js(Napi::Env env, double d) { return Napi::Number::New(env, d); }

// Runs `work` on a libuv pool thread and settles a promise with its result (a string or a number), or with the
// classified error.
template <class T>
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* name, std::function<T()> work)
      : Napi::AsyncWorker(env, name), work_(std::move(work)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      result_ = work_();
    } catch (const std::exception& e) {
      err_ = classify(e);
      SetError(err_.message);
    }
  }
  void OnOK() override { deferred_.Resolve(to_js(Env(), result_)); }
  void OnError(const Napi::Error&) override { deferred_.Reject(to_js_error(Env(), err_).Value()); }

 private:
  std::function<T()> work_;
  Napi::Promise::Deferred deferred_;
  T result_{};
  CaughtError err_;
};

template <class T>
Napi::Promise queue(Napi::Env env, const char* name, std::function<T()> work) {
  auto* w = new PromiseWorker<T>(env, name, std::move(work));
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

Napi::Value BenchDwconv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    Attrs a(env, info.Length() ? info[0] : env.Undefined(), "benchDwconv");
    lk::bench::BenchOptions o;
    o.reps = a.i("reps", 20);
    o.warmup = a.i("warmup", 3);
    o.onednn = a.b("onednn", true);
    o.device = a.s("device", "cpu");
    std::string passes = a.s("passes", "");
    for (size_t s = 0; s < passes.size();) {
      size_t e = passes.find(',', s);
      if (e == std::string::npos) e = passes.size();
      if (e > s) o.passes.push_back(passes.substr(s, e - s));
      s = e + 1;
    }
    if (info.Length() && info[0].IsObject() && info[0].As<Napi::Object>().Get("rows").IsArray()) {
      Napi::Array rows = info[0].As<Napi::Object>().Get("rows").As<Napi::Array>();
      for (uint32_t i = 0; i < rows.Length(); i++) {
        Attrs r(env, rows.Get(i), "benchDwconv row");
        o.rows.push_back({r.i("n", 8), r.i("c", 128), r.i("h", 56), r.i("w", r.i("h", 56)), r.i("k", 31), r.i("stride", 1)});
      }
    }
    return queue<std::string>(env, "lkrobust:bench", [o] { return lk::bench::run_dwconv_bench(o); });
  } catch (const std::exception& e) {
    return rejected(env, e);
  }
}

// The FMA peak, measured on the engine thread (the OpenMP team every pass uses).
Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  return queue<double>(info.Env(), "lkrobust:peak", [] {
    double gflops = 0;
    lk::run_on_engine_thread([&] { gflops = lk::bench::measure_fma_peak_gflops(); });
    return gflops;
  });
}

Napi::Value ProfileStart(const Napi::CallbackInfo& info) {
  lk::profile::start();
  return info.Env().Undefined();
}

Napi::Value ProfileStop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto rows = lk::profile::stop();
  Napi::Array out = Napi::Array::New(env, rows.size());
  for (size_t i = 0; i < rows.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("op", lk::op_name(rows[i].op));
    o.Set("calls", static_cast<double>(rows[i].calls));
    o.Set("ms", rows[i].seconds * 1e3);
    o.Set("macs", rows[i].macs);
    o.Set("dense_macs", rows[i].dense_macs);
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

}  // namespace

void register_bench(Napi::Env env, Napi::Object exports) {
  exports.Set("benchDwconv", Napi::Function::New(env, BenchDwconv, "benchDwconv"));
  exports.Set("fmaPeak", Napi::Function::New(env, FmaPeak, "fmaPeak"));
  exports.Set("profileStart", Napi::Function::New(env, ProfileStart, "profileStart"));
  exports.Set("profileStop", Napi::Function::New(env, ProfileStop, "profileStop"));
}

}  // namespace lkb
