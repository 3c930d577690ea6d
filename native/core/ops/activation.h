// Activations and softmax. Backwards take the forward's input (activations) or output (softmax).
#pragma once
#include "../tensor.h"

namespace lk {

enum class GeluApprox { none, tanh };  // none = exact erf form

Tensor relu(const Tensor& x);
Tensor relu_backward(const Tensor& dy, const Tensor& x);
Tensor gelu(const Tensor& x, GeluApprox approx = GeluApprox::none);
Tensor gelu_backward(const Tensor& dy, const Tensor& x, GeluApprox approx = GeluApprox::none);

// Softmax over the last dim; backward from the forward's output y.
Tensor softmax(const Tensor& x);
Tensor softmax_backward(const Tensor& dy, const Tensor& y);

}  // namespace lk
