#include "profile.h"

#include <array>
#include <atomic>
#include <mutex>

namespace lk::profile {

namespace {

std::atomic<bool> on{false};
std::mutex mu;
std::array<Row, static_cast<size_t>(Op::COUNT)> rows;

Row& row(Op op) { return rows[static_cast<size_t>(op)]; }

// Taps of a kernel dimension that land inside [0, size), summed over the output positions.
double valid_taps(int64_t size, int64_t k, int64_t out, int stride, int dil, int pad) {
  double total = 0;
  for (int64_t o = 0; o < out; o++) {
    const int64_t first = o * stride - pad;  // input index of tap 0
    // taps i with 0 <= first + i*dil < size
    int64_t lo = first >= 0 ? 0 : (-first + dil - 1) / dil;
    int64_t hi = first >= size ? 0 : (size - 1 - first) / dil + 1;
    if (hi > k) hi = k;
    if (hi > lo) total += static_cast<double>(hi - lo);
  }
  return total;
}

}  // namespace

void start() {
  std::lock_guard<std::mutex> lock(mu);
  for (size_t i = 0; i < rows.size(); i++) rows[i] = Row{static_cast<Op>(i)};
  on.store(true, std::memory_order_relaxed);
}

std::vector<Row> stop() {
  on.store(false, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu);
  std::vector<Row> out;
  for (const Row& r : rows)
    if (r.calls > 0) out.push_back(r);
  return out;
}

bool enabled() { return on.load(std::memory_order_relaxed); }

int& depth() {
  thread_local int d = 0;
  return d;
}

void add_macs(Op op, double macs, double dense_macs) {
  if (!enabled() || depth() != 0) return;
  std::lock_guard<std::mutex> lock(mu);
  row(op).macs += macs;
  row(op).dense_macs += dense_macs;
}

Scope::Scope(Op op) : op_(op), timed_(enabled() && depth() == 0) {
  depth()++;
  if (timed_) t0_ = std::chrono::steady_clock::now();
}

Scope::~Scope() {
  depth()--;
  if (!timed_) return;
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  std::lock_guard<std::mutex> lock(mu);
  row(op_).calls++;
  row(op_).seconds += s;
}

ConvMacs conv2d_macs(int64_t n, int64_t h, int64_t w, int64_t cin, int64_t cout, int64_t groups, int64_t kh,
                     int64_t kw, int64_t oh, int64_t ow, int stride_h, int stride_w, int dil_h, int dil_w, int pad_t,
                     int pad_l) {
  const double per_tap = static_cast<double>(n) * cout * (cin / groups);
  return {per_tap * valid_taps(h, kh, oh, stride_h, dil_h, pad_t) * valid_taps(w, kw, ow, stride_w, dil_w, pad_l),
          per_tap * static_cast<double>(oh * ow * kh * kw)};
}

}  // namespace lk::profile
