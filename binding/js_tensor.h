// Conversions between JS tensors ({ shape: number[], data: Float32Array }) and lk::Tensor, zero-copy both ways.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "core/tensor.h"

namespace lkb {

// Wraps a JS tensor's Float32Array without copying. The caller keeps the JS object alive while the Tensor is used.
lk::Tensor tensor_from_js(const Napi::Value& v, const std::string& what);
// Hands a Tensor's storage to JS as an external ArrayBuffer (the storage lives until JS collects it).
// A result that aliases one of `inputs` (JS-owned memory) is copied first.
Napi::Value tensor_to_js(Napi::Env env, const lk::Tensor& t, const std::vector<lk::Tensor>& inputs);

// Reads one op's attributes from a JS object, with errors that name the op, the attribute, and what was received.
class Attrs {
 public:
  Attrs(Napi::Env env, Napi::Value v, std::string op);
  int i(const char* name, int def) const;
  float f(const char* name, float def) const;
  bool b(const char* name, bool def) const;
  std::string s(const char* name, const std::string& def) const;
  std::vector<int> ints(const char* name) const;      // required
  std::vector<float> floats(const char* name) const;  // required
  lk::Shape shape(const char* name) const;            // required
 private:
  Napi::Value get(const char* name) const;
  [[noreturn]] void fail(const char* name, const char* expected, const Napi::Value& got) const;
  Napi::Env env_;
  Napi::Object obj_;
  std::string op_;
};

std::string describe(const Napi::Value& v);  // "a string", "3.5", "undefined", ...

}  // namespace lkb
