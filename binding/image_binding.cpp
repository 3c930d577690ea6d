// corruptImages(opts) -> Promise<{ pixels: Buffer, jpegs: Buffer[] | null }>: one ImageNet-C corruption at one
// severity over a batch of same-size uint8 RGB images, on libuv's worker pool (OpenMP over images inside).
// frostTextures(seed, count, height, width) -> Buffer[]: the procedural frost textures.
// Inputs are copied views pinned by a reference to the options object until the worker finishes.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "errors.h"
#include "image/batch.h"
#include "image/perturb.h"
#include "js_tensor.h"

namespace lkb {
namespace {

[[noreturn]] void bad(const std::string& what, const std::string& expected, const Napi::Value& got) {
  throw lk::ArgError("corruptImages: expected " + what + " to be " + expected + ", received " + describe(got));
}

double number(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) bad(key, "a number", v);
  return v.As<Napi::Number>().DoubleValue();
}

Napi::Uint8Array bytes(const Napi::Value& v, const std::string& what, size_t n) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    bad(what, "a Uint8Array or Buffer", v);
  Napi::Uint8Array a = v.As<Napi::Uint8Array>();
  if (a.ElementLength() != n)
    throw lk::ArgError("corruptImages: expected " + what + " to hold " + std::to_string(n) + " bytes, received " +
                       std::to_string(a.ElementLength()));
  return a;
}

struct Job {
  lk::image::BatchSpec spec;
  lk::image::FrostBank frost;
  std::vector<lk::image::BatchImage> images;
  Napi::Reference<Napi::Buffer<uint8_t>> pixels;  // the result, written in place by the worker (no copy back)
};

class CorruptWorker : public Napi::AsyncWorker {
 public:
  CorruptWorker(Napi::Env env, std::unique_ptr<Job> job, Napi::Object pinned)
      : Napi::AsyncWorker(env, "lkrobust:corrupt"), job_(std::move(job)), deferred_(Napi::Promise::Deferred::New(env)) {
    pinned_ = Napi::Persistent(pinned);
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      lk::image::corrupt_batch(job_->spec, job_->images);
    } catch (const std::exception& e) {
      err_ = classify(e);
      SetError(err_.message);
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object r = Napi::Object::New(env);
    r.Set("pixels", job_->pixels.Value());
    if (job_->spec.jpeg_quality > 0) {
      Napi::Array a = Napi::Array::New(env, job_->images.size());
      for (size_t i = 0; i < job_->images.size(); i++)
        a.Set(uint32_t(i), Napi::Buffer<uint8_t>::Copy(env, job_->images[i].jpeg.data(), job_->images[i].jpeg.size()));
      r.Set("jpegs", a);
    } else {
      r.Set("jpegs", env.Null());
    }
    deferred_.Resolve(r);
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
  Napi::Value name = o.Get("corruption");
  if (!name.IsString()) bad("corruption", "a corruption name", name);
  job->spec.corruption = lk::image::corruption_index(name.As<Napi::String>().Utf8Value());
  if (job->spec.corruption < 0) throw lk::ArgError("corruptImages: unknown corruption \"" + name.As<Napi::String>().Utf8Value() + "\"");
  job->spec.severity = int(number(o, "severity"));
  double seed = number(o, "seed");
  if (seed < 0 || seed != std::floor(seed) || seed > 9007199254740991.0) bad("seed", "a non-negative integer", o.Get("seed"));
  job->spec.seed = uint64_t(seed);
  Napi::Value params = o.Get("params");
  if (!params.IsArray()) bad("params", "an array of numbers", params);
  Napi::Array pa = params.As<Napi::Array>();
  for (uint32_t i = 0; i < pa.Length(); i++) {
    if (!pa.Get(i).IsNumber()) bad("params[" + std::to_string(i) + "]", "a number", pa.Get(i));
    job->spec.params.push_back(pa.Get(i).As<Napi::Number>().DoubleValue());
  }
  const int w = int(number(o, "width")), h = int(number(o, "height"));
  if (w < 8 || h < 8) throw lk::ArgError("corruptImages: images must be at least 8x8");
  Napi::Value keys = o.Get("keys");
  if (!keys.IsArray()) bad("keys", "an array of strings (one per image)", keys);
  Napi::Array ka = keys.As<Napi::Array>();
  const size_t n = ka.Length(), per = size_t(w) * h * 3;
  Napi::Uint8Array src = bytes(o.Get("images"), "images (count x height x width x 3)", n * per);
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(o.Env(), std::max<size_t>(n * per, 1));
  job->pixels = Napi::Persistent(out);
  job->images.resize(n);
  for (size_t i = 0; i < n; i++) {
    if (!ka.Get(uint32_t(i)).IsString()) bad("keys[" + std::to_string(i) + "]", "a string", ka.Get(uint32_t(i)));
    auto& im = job->images[i];
    im.src = {src.Data() + i * per, h, w};
    im.key = lk::image::key_of(ka.Get(uint32_t(i)).As<Napi::String>().Utf8Value());
    im.dst = out.Data() + i * per;
  }
  Napi::Value q = o.Get("jpegQuality");
  if (!q.IsUndefined()) {
    job->spec.jpeg_quality = int(number(o, "jpegQuality"));
    if (job->spec.jpeg_quality < 1 || job->spec.jpeg_quality > 100) bad("jpegQuality", "1..100", q);
  }
  Napi::Value frost = o.Get("frost");
  if (!frost.IsUndefined() && !frost.IsNull()) {
    if (!frost.IsArray()) bad("frost", "an array of { width, height, data } textures", frost);
    Napi::Array fa = frost.As<Napi::Array>();
    for (uint32_t i = 0; i < fa.Length(); i++) {
      if (!fa.Get(i).IsObject()) bad("frost[" + std::to_string(i) + "]", "a texture object", fa.Get(i));
      Napi::Object t = fa.Get(i).As<Napi::Object>();
      const int tw = int(number(t, "width")), th = int(number(t, "height"));
      Napi::Uint8Array d = bytes(t.Get("data"), "frost[" + std::to_string(i) + "].data", size_t(tw) * th * 3);
      job->frost.rgb.emplace_back(d.Data(), d.Data() + d.ElementLength());
      job->frost.h.push_back(th);
      job->frost.w.push_back(tw);
    }
    job->spec.frost = &job->frost;
  }
  return job;
}

Napi::Value CorruptImages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    auto job = prepare(info.Length() ? info[0] : env.Undefined());
    auto* w = new CorruptWorker(env, std::move(job), info[0].As<Napi::Object>());
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  } catch (const std::exception& e) {
    return rejected(env, e);
  }
}

Napi::Value FrostTextures(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    for (int i = 0; i < 4; i++)
      if (info.Length() <= size_t(i) || !info[i].IsNumber())
        throw lk::ArgError("frostTextures: expected (seed, count, height, width) numbers, argument " + std::to_string(i) +
                           " is " + describe(info.Length() > size_t(i) ? info[i] : env.Undefined()));
    const int count = info[1].As<Napi::Number>().Int32Value(), h = info[2].As<Napi::Number>().Int32Value(),
              w = info[3].As<Napi::Number>().Int32Value();
    if (count < 1 || count > 64 || h < 8 || w < 8 || size_t(h) * w > (1u << 26))
      throw lk::ArgError("frostTextures: expected 1..64 textures of at least 8x8 pixels");
    auto bank = lk::image::procedural_frost(uint64_t(info[0].As<Napi::Number>().Int64Value()), count, h, w);
    Napi::Array a = Napi::Array::New(env, count);
    for (int i = 0; i < count; i++) a.Set(uint32_t(i), Napi::Buffer<uint8_t>::Copy(env, bank.rgb[i].data(), bank.rgb[i].size()));
    return a;
  } catch (const std::exception& e) {
    to_js_error(env, classify(e)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
}

// perturbSequence({ perturbation, level, seed, key, width, height, size, image }) -> Promise<Buffer>: the frames
// (count x size x size x 3) of one ImageNet-P sequence made from `image`, already resized to a shorter side of 256.
class PerturbWorker : public Napi::AsyncWorker {
 public:
  PerturbWorker(Napi::Env env, int p, int level, lk::image::RgbView img, int size, uint64_t seed, uint64_t key, Napi::Object pinned)
      : Napi::AsyncWorker(env, "lkrobust:perturb"), p_(p), level_(level), img_(img), size_(size), seed_(seed), key_(key),
        deferred_(Napi::Promise::Deferred::New(env)) {
    pinned_ = Napi::Persistent(pinned);
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      frames_ = lk::image::perturb_sequence(p_, level_, img_, size_, seed_, key_);
    } catch (const std::exception& e) {
      err_ = classify(e);
      SetError(err_.message);
    }
  }
  void OnOK() override { deferred_.Resolve(Napi::Buffer<uint8_t>::Copy(Env(), frames_.data(), frames_.size())); }
  void OnError(const Napi::Error&) override { deferred_.Reject(to_js_error(Env(), err_).Value()); }

 private:
  int p_, level_;
  lk::image::RgbView img_;
  int size_;
  uint64_t seed_, key_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference pinned_;
  std::vector<uint8_t> frames_;
  CaughtError err_;
};

Napi::Value PerturbSequence(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (!info.Length() || !info[0].IsObject()) bad("its argument", "an options object", info.Length() ? info[0] : env.Undefined());
    Napi::Object o = info[0].As<Napi::Object>();
    Napi::Value name = o.Get("perturbation");
    if (!name.IsString()) bad("perturbation", "a perturbation name", name);
    const int p = lk::image::perturbation_index(name.As<Napi::String>().Utf8Value());
    if (p < 0) throw lk::ArgError("perturbSequence: unknown perturbation \"" + name.As<Napi::String>().Utf8Value() + "\"");
    const int w = int(number(o, "width")), h = int(number(o, "height")), size = int(number(o, "size")), level = int(number(o, "level"));
    if (size < 8 || w < size || h < size) throw lk::ArgError("perturbSequence: the image must be at least size x size (size >= 8)");
    const double seed = number(o, "seed");
    if (seed < 0 || seed != std::floor(seed)) bad("seed", "a non-negative integer", o.Get("seed"));
    Napi::Value key = o.Get("key");
    if (!key.IsString()) bad("key", "a string (the image's relative path)", key);
    Napi::Uint8Array img = bytes(o.Get("image"), "image (height x width x 3)", size_t(w) * h * 3);
    auto* wk = new PerturbWorker(env, p, level, {img.Data(), h, w}, size, uint64_t(seed),
                                 lk::image::key_of(key.As<Napi::String>().Utf8Value()), o);
    Napi::Promise pr = wk->promise();
    wk->Queue();
    return pr;
  } catch (const std::exception& e) {
    return rejected(env, e);
  }
}

}  // namespace

void register_image(Napi::Env env, Napi::Object exports) {
  exports.Set("perturbSequence", Napi::Function::New(env, PerturbSequence, "perturbSequence"));
  exports.Set("corruptImages", Napi::Function::New(env, CorruptImages, "corruptImages"));
  exports.Set("frostTextures", Napi::Function::New(env, FrostTextures, "frostTextures"));
}

}  // namespace lkb
