// Convolution family. x: (N, H, W, Cin) NHWC; w: (Cout, Cin/groups, KH, KW) in PyTorch's layout; b: (Cout) or
// undefined. OH = (H + pad_t + pad_b - dil_h*(KH-1) - 1) / stride_h + 1 (likewise OW).
#pragma once
#include "../tensor.h"

namespace lk {

struct Conv2dArgs {
  int stride_h = 1, stride_w = 1;
  int pad_t = 0, pad_b = 0, pad_l = 0, pad_r = 0;
  int dil_h = 1, dil_w = 1;
  int groups = 1;
};

struct ConvGrads {
  Tensor dw;  // same shape as w
  Tensor db;  // (Cout) when requested, else undefined
};

Shape conv2d_output_shape(const Shape& x, const Shape& w, const Conv2dArgs& a);  // checks, throws ArgError
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dArgs& a);
Tensor conv2d_backward_input(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Conv2dArgs& a);
ConvGrads conv2d_backward_params(const Tensor& dy, const Tensor& x, const Shape& w_shape, bool with_bias,
                                 const Conv2dArgs& a);

// Weight standardisation (BiT's StdConv2d): per output channel o, w' = (w - mean_o) / sqrt(var_o + eps),
// mean and biased variance over (in, kh, kw). Its "input" is the weight, so its backward is w.r.t. w.
Tensor weight_standardize(const Tensor& w, float eps);
Tensor weight_standardize_backward(const Tensor& dwstd, const Tensor& w, float eps);

}  // namespace lk
