// The batch entry point of the pixel pipeline: file bytes (or raw pixels another decoder produced) -> the exact
// model input, decode -> convert('RGB') -> resize -> pad/crop, OpenMP over images. Each image succeeds or
// fails on its own.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "image/decode.h"
#include "image/resample_plan.h"

namespace lk::image {

struct PixelItem {
  // Either encoded file bytes ...
  const uint8_t* bytes = nullptr;
  size_t n = 0;
  // ... or raw 8-bit pixels (channels 1 = L, 2 = LA, 3 = RGB, 4 = RGBA; alpha dropped as convert('RGB')).
  const uint8_t* raw = nullptr;
  int raw_w = 0, raw_h = 0, raw_channels = 0;
  // Output: size x size x 3, as uint8 or as float32 in [0, 1] (x / 255).
  uint8_t* dst_u8 = nullptr;
  float* dst_f32 = nullptr;
  // Result
  std::string error;         // empty when it worked
  bool unsupported = false;  // not JPEG/PNG: decode it elsewhere and pass raw pixels
  Mode mode = Mode::RGB;     // the mode the file decoded to
  int w = 0, h = 0;          // its size
};

/** Processes every item (threads <= 0: OpenMP's default). */
void preprocess_batch(const PixelSpec& spec, std::vector<PixelItem>& items, int threads);

}  // namespace lk::image
