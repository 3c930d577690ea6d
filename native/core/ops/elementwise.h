// Elementwise family. `b` is either the same shape as `a`, or 1-D of size a.dim(-1) (broadcast over rows).
#pragma once
#include "../tensor.h"

namespace lk {

struct BinaryGrads {
  Tensor da, db;  // db reduced to b's shape
};

Tensor add(const Tensor& a, const Tensor& b);
BinaryGrads add_backward(const Tensor& dy, const Shape& b_shape);
Tensor mul(const Tensor& a, const Tensor& b);
BinaryGrads mul_backward(const Tensor& dy, const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& x, float s);
Tensor scale_backward(const Tensor& dy, float s);

// Layout helpers the model graphs need.
Tensor permute(const Tensor& x, const std::vector<int>& dims);  // y.shape[i] = x.shape[dims[i]]
Tensor permute_backward(const Tensor& dy, const std::vector<int>& dims);

}  // namespace lk
