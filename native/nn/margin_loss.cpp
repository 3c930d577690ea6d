#include "margin_loss.h"

#include <string>

#include <utility>

namespace lk::nn {

Tensor margin_loss_backward(MarginLoss kind, const Tensor& logits, const std::vector<int>& labels,
                            const std::vector<int>& targets) {
  if (logits.ndim() != 2) throw ArgError("DLR loss: expected logits (N, K), received " + shape_str(logits.shape()));
  const int64_t n = logits.dim(0), k = logits.dim(1);
  const bool targeted = kind == MarginLoss::DLR_TARGETED;
  if (k < (targeted ? 4 : 3))
    throw ArgError(std::string("DLR loss: needs at least ") + (targeted ? "4" : "3") + " classes, received " + std::to_string(k));
  if (static_cast<int64_t>(labels.size()) != n)
    throw ArgError("DLR loss: expected " + std::to_string(n) + " labels, received " + std::to_string(labels.size()));
  if (targeted && static_cast<int64_t>(targets.size()) != n)
    throw ArgError("targeted DLR loss: expected " + std::to_string(n) + " target classes, received " + std::to_string(targets.size()));
  Tensor z = logits.to(cpu_device());
  Tensor g = Tensor::zeros({n, k});
  for (int64_t r = 0; r < n; r++) {
    const float* zr = z.data() + r * k;
    float* gr = g.data() + r * k;
    const int y = labels[r];
    const int t = targeted ? targets[r] : 0;
    if (y < 0 || y >= k) throw ArgError("DLR loss: label " + std::to_string(y) + " outside 0.." + std::to_string(k - 1));
    if (targeted && (t < 0 || t >= k)) throw ArgError("targeted DLR loss: target " + std::to_string(t) + " outside 0.." + std::to_string(k - 1));
    // The four largest logits' classes, best first.
    int top[4] = {-1, -1, -1, -1};
    for (int j = 0; j < k; j++) {
      int c = j;
      for (int s = 0; s < 4; s++) {
        if (top[s] < 0 || zr[c] >= zr[top[s]]) std::swap(c, top[s]);
        if (c < 0) break;
      }
    }
    const double z1 = zr[top[0]];
    const double den = targeted ? z1 - 0.5 * (double(zr[top[2]]) + zr[top[3]]) + 1e-12 : z1 - zr[top[2]] + 1e-12;
    const int other = targeted ? t : (top[0] == y ? top[1] : top[0]);
    const double num = double(zr[y]) - zr[other];
    // L = -num / den.
    gr[y] += static_cast<float>(-1.0 / den);
    gr[other] += static_cast<float>(1.0 / den);
    const double dden = num / (den * den);  // dL/dden
    gr[top[0]] += static_cast<float>(dden);
    if (targeted) {
      gr[top[2]] += static_cast<float>(-0.5 * dden);
      gr[top[3]] += static_cast<float>(-0.5 * dden);
    } else {
      gr[top[2]] += static_cast<float>(-dden);
    }
  }
  return g.to(logits.device());
}

}  // namespace lk::nn
