// Argument checks shared by the op front-ends: messages say what was expected and what was received.
#pragma once
#include <initializer_list>
#include <string>

#include "../backend.h"
#include "../profile.h"

namespace lk::check {

inline void require(bool ok, const std::string& what) {
  if (!ok) throw ArgError(what);
}

inline void defined(const Tensor& t, const char* op, const char* name) {
  require(t.defined(), std::string(op) + ": expected tensor `" + name + "`, received none");
}

inline void rank(const Tensor& t, int r, const char* op, const char* name) {
  defined(t, op, name);
  require(t.ndim() == r, std::string(op) + ": expected `" + name + "` of rank " + std::to_string(r) +
                             ", received shape " + shape_str(t.shape()));
}

inline void min_rank(const Tensor& t, int r, const char* op, const char* name) {
  defined(t, op, name);
  require(t.ndim() >= r, std::string(op) + ": expected `" + name + "` of rank >= " + std::to_string(r) +
                             ", received shape " + shape_str(t.shape()));
}

inline void shape_eq(const Tensor& t, const Shape& s, const char* op, const char* name) {
  defined(t, op, name);
  require(t.shape() == s, std::string(op) + ": expected `" + name + "` of shape " + shape_str(s) +
                              ", received " + shape_str(t.shape()));
}

inline void vec(const Tensor& t, int64_t n, const char* op, const char* name) { shape_eq(t, Shape{n}, op, name); }

// All defined tensors on one device; returns it.
inline Device same_device(const char* op, std::initializer_list<const Tensor*> ts) {
  Device d;
  bool first = true;
  for (const Tensor* t : ts) {
    if (!t->defined()) continue;
    if (first) {
      d = t->device();
      first = false;
    } else {
      require(t->device() == d, std::string(op) + ": expected all tensors on " + d.str() + ", received one on " +
                                    t->device().str());
    }
  }
  return d;
}

}  // namespace lk::check

// Look up the backend entry for `op_` on device `dev`, or throw "op <name> is not implemented on <device>". The
// entry comes wrapped so that its call is timed when the op profiler (profile.h) is counting.
#define LK_IMPL(dev, op_)                                                                           \
  ::lk::profile::timed(::lk::Op::op_, [&]() {                                                       \
    const ::lk::Backend& be_ = ::lk::backend_for(dev);                                              \
    if (!be_.op_) throw ::lk::NotImplemented(std::string("op " #op_ " is not implemented on ") + be_.name); \
    return be_.op_;                                                                                 \
  }())
