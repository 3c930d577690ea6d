// preprocessImages(opts) -> Promise<{ mode, width, height, error?, unsupported }[]>: files (their bytes) or raw
// pixels -> the exact model input, written into opts.out (a Uint8Array, or a Float32Array of x / 255) at
// opts.outOffset elements, image i at outOffset + i * size * size * 3. On libuv's worker pool, OpenMP inside.
// Inputs and `out` are pinned by a reference to the options object until the worker finishes.
#include <napi.h>

#include <cmath>
#include <memory>

#include "errors.h"
#include "image/decode_batch.h"
#include "js_tensor.h"

namespace lkb {
namespace {

[[noreturn]] void bad(const std::string& what, const std::string& expected, const Napi::Value& got) {
  throw lk::ArgError("preprocessImages: expected " + what + " to be " + expected + ", received " + describe(got));
}

double number(const Napi::Object& o, const char* key, double lo, double hi) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) bad(key, "a number", v);
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!(x >= lo && x <= hi)) bad(key, "in " + std::to_string(lo) + ".." + std::to_string(hi), v);
  return x;
}

int integer(const Napi::Object& o, const char* key, int lo, int hi) {
  const double x = number(o, key, lo, hi);
  if (x != std::floor(x)) bad(key, "an integer", o.Get(key));
  return int(x);
}

Napi::Uint8Array u8(const Napi::Value& v, const std::string& what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    bad(what, "a Uint8Array or Buffer", v);
  return v.As<Napi::Uint8Array>();
}

lk::image::Filter filter_of(const std::string& s) {
  using lk::image::Filter;
  if (s == "bilinear") return Filter::bilinear;
  if (s == "bicubic") return Filter::bicubic;
  if (s == "lanczos") return Filter::lanczos;
  if (s == "box") return Filter::box;
  if (s == "hamming") return Filter::hamming;
  throw lk::ArgError("preprocessImages: unknown interpolation \"" + s + "\" (bilinear, bicubic, lanczos, box, hamming)");
}

lk::image::CropMode crop_mode_of(const std::string& s) {
  using lk::image::CropMode;
  if (s == "center") return CropMode::center;
  if (s == "squash") return CropMode::squash;
  if (s == "border") return CropMode::border;
  throw lk::ArgError("preprocessImages: unknown cropMode \"" + s + "\" (center, squash, border)");
}

struct Job {
  lk::image::PixelSpec spec;
  std::vector<lk::image::PixelItem> items;
  int threads = 0;
};

class PixelsWorker : public Napi::AsyncWorker {
 public:
  PixelsWorker(Napi::Env env, std::unique_ptr<Job> job, Napi::Object pinned)
      : Napi::AsyncWorker(env, "lkrobust:pixels"), job_(std::move(job)), deferred_(Napi::Promise::Deferred::New(env)) {
    pinned_ = Napi::Persistent(pinned);
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      lk::image::preprocess_batch(job_->spec, job_->items, job_->threads);
    } catch (const std::exception& e) {
      err_ = classify(e);
      SetError(err_.message);
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array a = Napi::Array::New(env, job_->items.size());
    for (size_t i = 0; i < job_->items.size(); i++) {
      const auto& it = job_->items[i];
      Napi::Object r = Napi::Object::New(env);
      r.Set("mode", Napi::String::New(env, lk::image::mode_name(it.mode)));
      r.Set("width", Napi::Number::New(env, it.w));
      r.Set("height", Napi::Number::New(env, it.h));
      r.Set("unsupported", Napi::Boolean::New(env, it.unsupported));
      if (!it.error.empty()) r.Set("error", Napi::String::New(env, it.error));
      a.Set(uint32_t(i), r);
    }
    deferred_.Resolve(a);
  }
  void OnError(const Napi::Error&) override { deferred_.Reject(to_js_error(Env(), err_).Value()); }

 private:
  std::unique_ptr<Job> job_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference pinned_;
  CaughtError err_;
};

std::unique_ptr<Job> prepare(const Napi::Value& arg) {
  if (!arg.IsObject()) bad("its argument", "an options object", arg);
  Napi::Object o = arg.As<Napi::Object>();
  auto job = std::make_unique<Job>();
  auto& spec = job->spec;
  spec.size = integer(o, "size", 1, 16384);
  spec.crop_pct = number(o, "cropPct", 1e-3, 1e3);
  Napi::Value interp = o.Get("interpolation");
  if (!interp.IsString()) bad("interpolation", "a string", interp);
  spec.filter = filter_of(interp.As<Napi::String>().Utf8Value());
  Napi::Value mode = o.Get("cropMode");
  if (!mode.IsUndefined()) {
    if (!mode.IsString()) bad("cropMode", "a string", mode);
    spec.mode = crop_mode_of(mode.As<Napi::String>().Utf8Value());
  }
  Napi::Value fill = o.Get("fill");
  if (!fill.IsUndefined()) {
    if (!fill.IsArray() || fill.As<Napi::Array>().Length() != 3) bad("fill", "an array of 3 numbers 0..255", fill);
    for (uint32_t c = 0; c < 3; c++) {
      Napi::Value v = fill.As<Napi::Array>().Get(c);
      if (!v.IsNumber() || v.As<Napi::Number>().DoubleValue() < 0 || v.As<Napi::Number>().DoubleValue() > 255)
        bad("fill[" + std::to_string(c) + "]", "a number 0..255", v);
      spec.fill[c] = uint8_t(v.As<Napi::Number>().Int32Value());
    }
  }
  Napi::Value keep = o.Get("keepIfInputSize");
  spec.keep_if_input_size = keep.IsBoolean() && keep.As<Napi::Boolean>().Value();
  if (!o.Get("threads").IsUndefined()) job->threads = integer(o, "threads", 0, 4096);
  Napi::Value items = o.Get("items");
  if (!items.IsArray()) bad("items", "an array of Buffers or { data, width, height, channels } objects", items);
  Napi::Array ia = items.As<Napi::Array>();
  const size_t n = ia.Length(), per = size_t(spec.size) * spec.size * 3;
  Napi::Value out = o.Get("out");
  if (!out.IsTypedArray()) bad("out", "a Uint8Array or Float32Array", out);
  Napi::TypedArray ta = out.As<Napi::TypedArray>();
  const double off = o.Get("outOffset").IsUndefined() ? 0 : number(o, "outOffset", 0, 9.0e15);
  if (off != std::floor(off)) bad("outOffset", "an integer", o.Get("outOffset"));
  if (size_t(off) + n * per > ta.ElementLength())
    throw lk::ArgError("preprocessImages: out holds " + std::to_string(ta.ElementLength()) + " elements, " +
                       std::to_string(size_t(off) + n * per) + " needed");
  uint8_t* out_u8 = nullptr;
  float* out_f32 = nullptr;
  if (ta.TypedArrayType() == napi_uint8_array) out_u8 = ta.As<Napi::Uint8Array>().Data() + size_t(off);
  else if (ta.TypedArrayType() == napi_float32_array) out_f32 = ta.As<Napi::Float32Array>().Data() + size_t(off);
  else bad("out", "a Uint8Array or Float32Array", out);
  job->items.resize(n);
  for (uint32_t i = 0; i < n; i++) {
    auto& it = job->items[i];
    Napi::Value v = ia.Get(i);
    const std::string what = "items[" + std::to_string(i) + "]";
    if (v.IsTypedArray()) {
      Napi::Uint8Array b = u8(v, what);
      it.bytes = b.Data();
      it.n = b.ElementLength();
    } else if (v.IsObject()) {
      Napi::Object r = v.As<Napi::Object>();
      Napi::Uint8Array d = u8(r.Get("data"), what + ".data");
      it.raw_w = integer(r, "width", 1, 1 << 20);
      it.raw_h = integer(r, "height", 1, 1 << 20);
      it.raw_channels = integer(r, "channels", 1, 4);
      if (d.ElementLength() != size_t(it.raw_w) * it.raw_h * it.raw_channels)
        throw lk::ArgError("preprocessImages: " + what + ".data holds " + std::to_string(d.ElementLength()) +
                           " bytes, width x height x channels is " + std::to_string(size_t(it.raw_w) * it.raw_h * it.raw_channels));
      it.raw = d.Data();
    } else {
      bad(what, "a Buffer or a { data, width, height, channels } object", v);
    }
    if (out_u8) it.dst_u8 = out_u8 + i * per;
    else it.dst_f32 = out_f32 + i * per;
  }
  return job;
}

Napi::Value PreprocessImages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    auto job = prepare(info.Length() ? info[0] : env.Undefined());
    auto* w = new PixelsWorker(env, std::move(job), info[0].As<Napi::Object>());
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  } catch (const std::exception& e) {
    return rejected(env, e);
  }
}

}  // namespace

void register_pixels(Napi::Env env, Napi::Object exports) {
  exports.Set("preprocessImages", Napi::Function::New(env, PreprocessImages, "preprocessImages"));
}

}  // namespace lkb
