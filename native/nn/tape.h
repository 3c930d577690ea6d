// Input gradients without a general autograd: each layer run with a tape pushes a closure that maps the
// gradient of its output to the gradient of its input; backward runs them in reverse. Branches (residual
// blocks) run on a nested tape and push one closure that adds the shortcut's gradient.
#pragma once
#include <functional>
#include <vector>

#include "core/tensor.h"

namespace lk::nn {

using GradFn = std::function<Tensor(const Tensor& dy)>;

class Tape {
 public:
  void push(GradFn f) { steps_.push_back(std::move(f)); }
  Tensor backward(Tensor dy) const {
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) dy = (*it)(dy);
    return dy;
  }
  size_t size() const { return steps_.size(); }

 private:
  std::vector<GradFn> steps_;
};

}  // namespace lk::nn
