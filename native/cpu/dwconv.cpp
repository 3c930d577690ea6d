// Dispatch for the depthwise kernels (dwconv.h): the ISA path comes from isa.h (LKR_ISA forces one, read per
// call so tests can switch paths in one process); the bodies live in dwconv_{avx512,avx2,scalar}.cpp.
#include "dwconv.h"

#include <stdexcept>
#include <string>

#include "dwconv_impl.h"
#include "isa.h"

namespace lk::cpu::dw {

bool supported(const Geometry& g) {
  auto stride_ok = [](int s) { return s == 1 || s == 2; };
  return g.n >= 1 && g.h >= 1 && g.w >= 1 && g.c >= 1 && g.kh >= 1 && g.kh <= kMaxKernel && g.kw >= 1 &&
         g.kw <= kMaxKernel && stride_ok(g.stride_h) && stride_ok(g.stride_w) && g.oh >= 1 && g.ow >= 1 &&
         g.pad_t > -g.kh && g.pad_l > -g.kw && g.pad_t < 4 * kMaxKernel && g.pad_l < 4 * kMaxKernel;
}

namespace {
void check(const Geometry& g, const char* pass) {
  num_threads();  // applies LKR_NUM_THREADS to the OpenMP pool once
  if (!supported(g))
    throw std::invalid_argument(std::string("dwconv ") + pass + ": unsupported geometry (n " + std::to_string(g.n) +
                                ", h " + std::to_string(g.h) + ", w " + std::to_string(g.w) + ", c " +
                                std::to_string(g.c) + ", kernel " + std::to_string(g.kh) + "x" +
                                std::to_string(g.kw) + ", stride " + std::to_string(g.stride_h) + "x" +
                                std::to_string(g.stride_w) + ")");
}
}  // namespace

void forward(const float* x, const float* w, const float* bias, float* y, const Geometry& g) {
  check(g, "forward");
  switch (active_isa()) {
    case Isa::avx512: return avx512::forward(x, w, bias, y, g);
    case Isa::avx2: return avx2::forward(x, w, bias, y, g);
    case Isa::scalar: return scalar::forward(x, w, bias, y, g);
  }
}

void backward_data(const float* dy, const float* w, float* dx, const Geometry& g) {
  check(g, "backward_data");
  switch (active_isa()) {
    case Isa::avx512: return avx512::backward_data(dy, w, dx, g);
    case Isa::avx2: return avx2::backward_data(dy, w, dx, g);
    case Isa::scalar: return scalar::backward_data(dy, w, dx, g);
  }
}

void backward_weights(const float* dy, const float* x, float* dw, float* db, const Geometry& g) {
  check(g, "backward_weights");
  switch (active_isa()) {
    case Isa::avx512: return avx512::backward_weights(dy, x, dw, db, g);
    case Isa::avx2: return avx2::backward_weights(dy, x, dw, db, g);
    case Isa::scalar: return scalar::backward_weights(dy, x, dw, db, g);
  }
}

const char* isa_name() { return isa_str(active_isa()); }

void forward_version(int version, const float* x, const float* w, const float* bias, float* y, const Geometry& g) {
  check(g, "forward");
  const Isa isa = active_isa();
  switch (version) {
    case 1: return scalar::forward(x, w, bias, y, g);
    case 2:
      if (isa == Isa::avx512) return avx512::forward2(x, w, bias, y, g);
      if (isa == Isa::avx2) return avx2::forward2(x, w, bias, y, g);
      return scalar::forward(x, w, bias, y, g);
    case 3: return forward(x, w, bias, y, g);
  }
  throw std::invalid_argument("dwconv forward: no version " + std::to_string(version) + " (1, 2 or 3)");
}

}  // namespace lk::cpu::dw
