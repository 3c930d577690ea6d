// The DLR margin losses of AutoAttack (Croce & Hein 2020) on logits (N, K), and their gradient w.r.t. the logits,
// so an APGD step on DLR is one engine call (forward, this, backward) like a step on cross-entropy.
//   untargeted: L = -(z_y - max_{j≠y} z_j) / (z_π1 - z_π3 + 1e-12)
//   targeted:   L = -(z_y - z_t) / (z_π1 - (z_π3 + z_π4)/2 + 1e-12)
// π1 ≥ π2 ≥ ... are the logits in descending order (ties: the higher class index ranks first, as an ascending
// stable sort leaves it last).
#pragma once
#include <vector>

#include "core/tensor.h"

namespace lk::nn {

enum class MarginLoss { DLR, DLR_TARGETED };

// Per-row losses (N) and dL/dlogits (N, K), both on the logits' device; targets only for DLR_TARGETED.
Tensor margin_loss_backward(MarginLoss kind, const Tensor& logits, const std::vector<int>& labels,
                            const std::vector<int>& targets);

}  // namespace lk::nn
