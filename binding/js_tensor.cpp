#include "js_tensor.h"

#include <cmath>
#include <cstring>

namespace lkb {

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    return "the number " + std::to_string(d);
  }
  if (v.IsString()) return "the string \"" + v.As<Napi::String>().Utf8Value() + "\"";
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsArray()) return "an array of length " + std::to_string(v.As<Napi::Array>().Length());
  if (v.IsTypedArray()) return "a typed array";
  if (v.IsFunction()) return "a function";
  return "an object";
}

static lk::Shape shape_from_js(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw lk::ArgError(what + ".shape: expected an array of integers, received " + describe(v));
  Napi::Array a = v.As<Napi::Array>();
  lk::Shape s;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1;
    if (!e.IsNumber() || d < 0 || std::floor(d) != d)
      throw lk::ArgError(what + ".shape[" + std::to_string(i) + "]: expected a non-negative integer, received " +
                         describe(e));
    s.push_back(static_cast<int64_t>(d));
  }
  return s;
}

lk::Tensor tensor_from_js(const Napi::Value& v, const std::string& what) {
  if (v.IsNull() || v.IsUndefined()) return lk::Tensor();
  if (!v.IsObject()) throw lk::ArgError(what + ": expected a tensor { shape, data: Float32Array }, received " + describe(v));
  Napi::Object o = v.As<Napi::Object>();
  lk::Shape shape = shape_from_js(o.Get("shape"), what);
  Napi::Value d = o.Get("data");
  if (!d.IsTypedArray() || d.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw lk::ArgError(what + ".data: expected a Float32Array, received " + describe(d));
  Napi::Float32Array f = d.As<Napi::Float32Array>();
  if (static_cast<int64_t>(f.ElementLength()) != lk::shape_numel(shape))
    throw lk::ArgError(what + ": shape " + lk::shape_str(shape) + " holds " + std::to_string(lk::shape_numel(shape)) +
                       " values, but data has " + std::to_string(f.ElementLength()));
  return lk::Tensor::wrap(f.Data(), shape, nullptr);
}

static bool aliases(const lk::Tensor& t, const std::vector<lk::Tensor>& inputs) {
  const char* p = reinterpret_cast<const char*>(t.data());
  for (const lk::Tensor& in : inputs) {
    if (!in.defined() || !in.storage()) continue;
    const char* b = static_cast<const char*>(in.storage()->data);
    if (p >= b && p < b + in.storage()->bytes + 1) return true;
  }
  return false;
}

Napi::Value tensor_to_js(Napi::Env env, const lk::Tensor& t0, const std::vector<lk::Tensor>& inputs) {
  if (!t0.defined()) return env.Null();
  lk::Tensor t = t0.device().is_cpu() ? t0 : t0.to(lk::cpu_device());
  if (aliases(t, inputs)) t = t.clone();
  Napi::Object o = Napi::Object::New(env);
  Napi::Array shape = Napi::Array::New(env, t.shape().size());
  for (size_t i = 0; i < t.shape().size(); i++) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, double(t.shape()[i])));
  o.Set("shape", shape);
  size_t n = static_cast<size_t>(t.numel());
  Napi::ArrayBuffer ab;
  size_t offset = 0;
  if (n == 0) {
    ab = Napi::ArrayBuffer::New(env, 0);
  } else {
    auto* keep = new std::shared_ptr<lk::Storage>(t.storage());
    void* base = t.storage()->data;
    offset = static_cast<size_t>(reinterpret_cast<char*>(t.data()) - static_cast<char*>(base));
    ab = Napi::ArrayBuffer::New(env, base, t.storage()->bytes,
                                [](Napi::Env, void*, std::shared_ptr<lk::Storage>* k) { delete k; }, keep);
  }
  o.Set("data", Napi::Float32Array::New(env, n, ab, offset));
  return o;
}

Attrs::Attrs(Napi::Env env, Napi::Value v, std::string op) : env_(env), op_(std::move(op)) {
  if (v.IsUndefined() || v.IsNull()) {
    obj_ = Napi::Object::New(env);
  } else if (v.IsObject() && !v.IsArray()) {
    obj_ = v.As<Napi::Object>();
  } else {
    throw lk::ArgError(op_ + ": expected attributes as an object, received " + describe(v));
  }
}

Napi::Value Attrs::get(const char* name) const { return obj_.Get(name); }

void Attrs::fail(const char* name, const char* expected, const Napi::Value& got) const {
  throw lk::ArgError(op_ + ": attribute `" + name + "` expected " + expected + ", received " + describe(got));
}

int Attrs::i(const char* name, int def) const {
  Napi::Value v = get(name);
  if (v.IsUndefined()) return def;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : 0.5;
  if (!v.IsNumber() || std::floor(d) != d || std::fabs(d) > 2147483647.0) fail(name, "an integer", v);
  return static_cast<int>(d);
}

float Attrs::f(const char* name, float def) const {
  Napi::Value v = get(name);
  if (v.IsUndefined()) return def;
  if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue())) fail(name, "a finite number", v);
  return v.As<Napi::Number>().FloatValue();
}

bool Attrs::b(const char* name, bool def) const {
  Napi::Value v = get(name);
  if (v.IsUndefined()) return def;
  if (!v.IsBoolean()) fail(name, "a boolean", v);
  return v.As<Napi::Boolean>().Value();
}

std::string Attrs::s(const char* name, const std::string& def) const {
  Napi::Value v = get(name);
  if (v.IsUndefined()) return def;
  if (!v.IsString()) fail(name, "a string", v);
  return v.As<Napi::String>().Utf8Value();
}

std::vector<int> Attrs::ints(const char* name) const {
  Napi::Value v = get(name);
  if (!v.IsArray()) fail(name, "an array of integers", v);
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int> out;
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : 0.5;
    if (!e.IsNumber() || std::floor(d) != d) fail(name, "an array of integers", e);
    out.push_back(static_cast<int>(d));
  }
  return out;
}

std::vector<float> Attrs::floats(const char* name) const {
  Napi::Value v = get(name);
  if (!v.IsArray()) fail(name, "an array of numbers", v);
  Napi::Array a = v.As<Napi::Array>();
  std::vector<float> out;
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    if (!e.IsNumber()) fail(name, "an array of numbers", e);
    out.push_back(e.As<Napi::Number>().FloatValue());
  }
  return out;
}

lk::Shape Attrs::shape(const char* name) const {
  std::vector<int> v = ints(name);
  lk::Shape s;
  for (int d : v) {
    if (d < 0) fail(name, "a shape of non-negative integers", get(name));
    s.push_back(d);
  }
  return s;
}

}  // namespace lkb
