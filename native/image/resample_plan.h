// Where each output pixel comes from: the resize size, padding and crop offsets that torchvision's Resize +
// CenterCrop and timm's eval crop modes compute, with their roundings (Python's round is half to even;
// int() truncates).
#pragma once
#include <cstdint>

#include "image/resample.h"

namespace lk::image {

/** timm's `crop_mode`: `center` (shorter side to size/crop_pct, centre crop), `squash` (both sides to
 *  size/crop_pct, centre crop), `border` (longer side to size/crop_pct, then pad with `fill` and centre crop). */
enum class CropMode { center, squash, border };

struct PixelSpec {
  int size = 224;
  double crop_pct = 0.875;
  Filter filter = Filter::bilinear;
  CropMode mode = CropMode::center;
  uint8_t fill[3] = {0, 0, 0};     // border mode's padding colour (timm: round(255 * mean))
  bool keep_if_input_size = false;  // an image already size x size is the model's input as it is
};

struct Plan {
  bool resize = false;
  int resize_w = 0, resize_h = 0;  // the image after Resize (its own size when `resize` is false)
  int pad_left = 0, pad_top = 0;   // CenterCrop's padding before cropping (only when the image is smaller)
  int crop_left = 0, crop_top = 0; // in the padded image
  uint8_t fill[3] = {0, 0, 0};
};

Plan plan_for(const PixelSpec& spec, int w, int h);

/** Applies the crop of `plan` to the resized image: size x size RGB into `dst`. */
void crop_into(const Rgb8& resized, const Plan& plan, int size, uint8_t* dst);

}  // namespace lk::image
