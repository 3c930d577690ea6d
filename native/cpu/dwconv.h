// Our own NHWC large-kernel depthwise convolution (forward, backward-data, backward-weights), with
// AVX-512 / AVX2 / scalar paths chosen at run time (LKR_ISA=avx512|avx2|scalar forces one). Padding taps
// are skipped, never multiplied. The engine's conv2d routes depthwise convs here when `supported` says so
// and LKR_DWCONV is not "onednn".
//
// Threads: OpenMP, the pool oneDNN uses too (LKR_NUM_THREADS / OMP_NUM_THREADS). Outputs of 8 MB or more
// are written with streaming stores when 64-byte aligned with c % 16 == 0 (LKR_DW_NT=0|1 overrides).
// Design notes and measurements: docs/DWCONV.md; per-ISA bodies: dwconv_kernels.inc.
#pragma once

namespace lk::cpu::dw {

struct Geometry {
  int n, h, w, c;             // input (N, H, W, C)
  int kh, kw;                 // kernel size, any 1..51, odd or even
  int stride_h, stride_w;     // 1 or 2
  int pad_t, pad_l;           // top/left padding; bottom/right follow from oh/ow
  int oh, ow;                 // output size
};

// Kernels 1..64 (either side), strides 1 or 2, any c >= 1, oh/ow >= 1, padding > -kernel.
bool supported(const Geometry& g);
// x (N,H,W,C); w (C,1,KH,KW) in PyTorch layout; bias (C) or nullptr; y (N,OH,OW,C).
void forward(const float* x, const float* w, const float* bias, float* y, const Geometry& g);
// dy (N,OH,OW,C) -> dx (N,H,W,C), overwritten.
void backward_data(const float* dy, const float* w, float* dx, const Geometry& g);
// dw (C,1,KH,KW) and db (C, or nullptr), overwritten.
void backward_weights(const float* dy, const float* x, float* dw, float* db, const Geometry& g);
// The path in use: "avx512", "avx2" or "scalar".
const char* isa_name();

}  // namespace lk::cpu::dw
