// Engine exceptions become JS errors with a stable `code`: LKR_ARG (bad argument), LKR_NOT_IMPLEMENTED
// (op missing on a device), LKR_ENGINE (anything else).
#pragma once
#include <napi.h>

#include <exception>
#include <string>

#include "core/tensor.h"

namespace lkb {

struct CaughtError {
  std::string code, message;
};

inline CaughtError classify(const std::exception& e) {
  if (dynamic_cast<const lk::ArgError*>(&e)) return {"LKR_ARG", e.what()};
  if (dynamic_cast<const lk::NotImplemented*>(&e)) return {"LKR_NOT_IMPLEMENTED", e.what()};
  if (dynamic_cast<const std::bad_alloc*>(&e)) return {"LKR_ENGINE", "out of memory"};
  return {"LKR_ENGINE", e.what()};
}

inline Napi::Error to_js_error(Napi::Env env, const CaughtError& c) {
  Napi::Error err = c.code == "LKR_ARG" ? Napi::TypeError::New(env, c.message) : Napi::Error::New(env, c.message);
  err.Set("code", Napi::String::New(env, c.code));
  return err;
}

// An async binding's answer when it fails before its worker is queued: a promise already rejected with `e`.
inline Napi::Value rejected(Napi::Env env, const std::exception& e) {
  auto d = Napi::Promise::Deferred::New(env);
  d.Reject(to_js_error(env, classify(e)).Value());
  return d.Promise();
}

}  // namespace lkb
