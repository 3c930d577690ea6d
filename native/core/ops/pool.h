// Pooling family over NHWC. Max pooling pads with -inf; pad2d adds constant padding explicitly.
#pragma once
#include "../tensor.h"

namespace lk {

struct Pool2dArgs {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_t = 0, pad_b = 0, pad_l = 0, pad_r = 0;
  bool count_include_pad = true;  // avg only (PyTorch's default)
};

Shape pool2d_output_shape(const Shape& x, const Pool2dArgs& a);
Tensor avg_pool2d(const Tensor& x, const Pool2dArgs& a);
Tensor avg_pool2d_backward(const Tensor& dy, const Shape& x_shape, const Pool2dArgs& a);
Tensor max_pool2d(const Tensor& x, const Pool2dArgs& a);
Tensor max_pool2d_backward(const Tensor& dy, const Tensor& x, const Pool2dArgs& a);

// (N, H, W, C) -> (N, C)
Tensor global_avg_pool(const Tensor& x);
Tensor global_avg_pool_backward(const Tensor& dy, const Shape& x_shape);

// Constant padding of H and W of an NHWC tensor.
struct Pad2dArgs {
  int pad_t = 0, pad_b = 0, pad_l = 0, pad_r = 0;
  float value = 0.f;
};
Tensor pad2d(const Tensor& x, const Pad2dArgs& a);
Tensor pad2d_backward(const Tensor& dy, const Pad2dArgs& a);

}  // namespace lk
