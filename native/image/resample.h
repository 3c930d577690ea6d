// Pillow's Image.resize on 8-bit RGB, bit for bit (its src/libImaging/Resample.c): separable convolution whose
// support widens by the downscale factor, weights normalised in double then rounded to 22-bit fixed point,
// a horizontal pass over only the rows the vertical pass reads, then the vertical pass; a pass whose axis
// neither scales nor shifts is skipped. The clean-room reading of those facts is in docs/DATASETS.md "Pixels".
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace lk::image {

enum class Filter { box, bilinear, hamming, bicubic, lanczos };

/** An interleaved 8-bit RGB image that owns its pixels (H x W x 3). */
struct Rgb8 {
  int h = 0, w = 0;
  std::vector<uint8_t> px;
  Rgb8() = default;
  Rgb8(int h_, int w_) : h(h_), w(w_), px(size_t(h_) * w_ * 3, 0) {}
};

/** The source rectangle `resize(size, box=...)` reads, in input pixels (Pillow's default: the whole image). */
struct Box {
  double x0, y0, x1, y1;
};

/** Pillow's `im.resize((out_w, out_h), filter, box)` on an RGB image. */
Rgb8 resample_rgb(const Rgb8& in, int out_w, int out_h, Filter f, const Box& box);
inline Rgb8 resample_rgb(const Rgb8& in, int out_w, int out_h, Filter f) {
  return resample_rgb(in, out_w, out_h, f, Box{0, 0, double(in.w), double(in.h)});
}

}  // namespace lk::image
