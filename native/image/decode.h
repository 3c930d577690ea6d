// Image files decoded as Pillow's Image.open(f) holds them, then convert('RGB') as Pillow converts each mode.
// JPEG through libjpeg(-turbo) with Pillow's decoder settings (decode_jpeg.cpp), PNG through libpng with the
// raw modes Pillow's PngImagePlugin picks (decode_png.cpp); EXIF orientation and ICC profiles are not applied,
// as Pillow does not apply them. Other formats are not decoded here (the caller decodes them with sharp).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "image/resample.h"

namespace lk::image {

/** Pillow's image modes that convert('RGB') has to handle. */
enum class Mode { L, LA, P, RGB, RGBA, CMYK, I16 };

/** A decoded image in its own mode: `px` holds h x w x bytes_per_pixel(mode), I16 as native uint16. */
struct Decoded {
  Mode mode = Mode::RGB;
  int h = 0, w = 0;
  std::vector<uint8_t> px;
  std::vector<std::array<uint8_t, 3>> palette;  // mode P: RGB entries (Pillow pads a short palette, see convert)
};

/** A file this build cannot decode (not JPEG or PNG): the caller falls back to another decoder. */
struct UnsupportedFormat : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Format { unknown, jpeg, png };
Format sniff_format(const uint8_t* bytes, size_t n);

Decoded decode_jpeg(const uint8_t* bytes, size_t n);
Decoded decode_png(const uint8_t* bytes, size_t n);
/** Sniffs the format and decodes; throws UnsupportedFormat for anything but JPEG and PNG. */
Decoded decode_image(const uint8_t* bytes, size_t n);

/** Pillow's `convert('RGB')` of an image in any of the modes above. */
Rgb8 convert_to_rgb(const Decoded& im);

int bytes_per_pixel(Mode m);
const char* mode_name(Mode m);

}  // namespace lk::image
