// benchDwconv({reps, warmup, passes, rows, device}) -> Promise<string JSON>: the depthwise kernel benchmark
// (native/bench/dwconv_bench_core.h) on a worker thread.
#include <napi.h>

#include "bench/dwconv_bench_core.h"
#include "errors.h"
#include "js_tensor.h"

namespace lkb {
namespace {

class BenchWorker : public Napi::AsyncWorker {
 public:
  BenchWorker(Napi::Env env, lk::bench::BenchOptions o)
      : Napi::AsyncWorker(env, "lkrobust:bench"), opts_(std::move(o)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      json_ = lk::bench::run_dwconv_bench(opts_);
    } catch (const std::exception& e) {
      err_ = classify(e);
      SetError(err_.message);
    }
  }
  void OnOK() override { deferred_.Resolve(Napi::String::New(Env(), json_)); }
  void OnError(const Napi::Error&) override { deferred_.Reject(to_js_error(Env(), err_).Value()); }

 private:
  lk::bench::BenchOptions opts_;
  Napi::Promise::Deferred deferred_;
  std::string json_;
  CaughtError err_;
};

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
    auto* w = new BenchWorker(env, o);
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  } catch (const std::exception& e) {
    return rejected(env, e);
  }
}

}  // namespace

void register_bench(Napi::Env env, Napi::Object exports) {
  exports.Set("benchDwconv", Napi::Function::New(env, BenchDwconv, "benchDwconv"));
}

}  // namespace lkb
