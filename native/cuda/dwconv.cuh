// Depthwise convolution on CUDA (groups == Cin == Cout), NHWC, weights (C, 1, KH, KW): the one family with
// real performance work. Device pointers; queued on the op stream.
#pragma once

namespace lk::cuda {

struct DwGeom {
  int n, h, w, c;      // input (N, H, W, C)
  int kh, kw;          // kernel
  int sh, sw;          // strides
  int pt, pl;          // top/left padding; bottom/right follow from oh/ow
  int oh, ow;          // output size
  int dh, dw;          // dilations
};

// y (N, OH, OW, C) = x * w (+ bias when not null).
void dw_forward(const float* x, const float* w, const float* bias, float* y, const DwGeom& g);
// dx (N, H, W, C) from dy (N, OH, OW, C), overwritten.
void dw_backward_data(const float* dy, const float* w, float* dx, const DwGeom& g);
// dw (C, 1, KH, KW), overwritten.
void dw_backward_weights(const float* dy, const float* x, float* dw, const DwGeom& g);

// Which kernel dw_forward / dw_backward_data take for g: "tiled" (shared-memory tiles, stride 1, no
// dilation, fits in shared memory) or "direct" (one thread per output, any geometry).
const char* dw_path(const DwGeom& g);

}  // namespace lk::cuda
