// Op profiler: wall time and multiply-accumulates per op kind, for `bench model` (the model's MACs per image and
// the fraction of the CPU's limit it reaches) and its `--profile` table. Off by default: an op then pays one
// relaxed atomic load. Only the outermost op is counted when an op's implementation calls another op's front-end,
// so nothing is counted twice. Times are the host's wall time around each call: right for the CPU backend, whose
// ops finish before they return; CUDA kernels are asynchronous, so their times would be launch times.
#pragma once
#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

#include "backend.h"

namespace lk::profile {

struct Row {
  Op op;
  int64_t calls = 0;
  double seconds = 0;
  double macs = 0;        // multiply-accumulates that touch real data (a convolution's padding taps left out)
  double dense_macs = 0;  // as PyTorch's flop counter counts them: every tap, padding included
};

void start();             // clear the counters and turn counting on
std::vector<Row> stop();  // turn counting off; the ops met since start(), in Op order
bool enabled();

// Depth of op calls on this thread (1 inside an op's implementation).
int& depth();

// Called by a front-end before it dispatches: adds the MACs when counting and the op is the outermost one.
void add_macs(Op op, double macs, double dense_macs);

// Times one call (when counting and outermost) and tracks the nesting depth.
class Scope {
 public:
  explicit Scope(Op op);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Op op_;
  bool timed_;
  std::chrono::steady_clock::time_point t0_;
};

// A backend entry wrapped so that calling it runs inside a Scope (see LK_IMPL in ops/check.h).
template <class F>
struct Timed {
  Op op;
  F f;
  template <class... A>
  decltype(auto) operator()(A&&... a) const {
    Scope s(op);
    return f(std::forward<A>(a)...);
  }
};
template <class F>
Timed<F> timed(Op op, F f) {
  return Timed<F>{op, f};
}

// Multiply-accumulates of a 2D convolution with the given geometry: `valid` counts only the taps that land inside
// the input (per output position), `dense` every tap. Both per pass (forward, backward-input and
// backward-weights each do the same products).
struct ConvMacs {
  double valid, dense;
};
ConvMacs conv2d_macs(int64_t n, int64_t h, int64_t w, int64_t cin, int64_t cout, int64_t groups, int64_t kh,
                     int64_t kw, int64_t oh, int64_t ow, int stride_h, int stride_w, int dil_h, int dil_w, int pad_t,
                     int pad_l);

}  // namespace lk::profile
