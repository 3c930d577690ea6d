// Pillow's convert('RGB') per mode (its src/libImaging/Convert.c), and the format sniffing in front of the
// decoders. Alpha is dropped, never composited: a fully transparent pixel keeps the RGB it was stored with.
#include <cstring>

#include "image/decode.h"

namespace lk::image {

int bytes_per_pixel(Mode m) {
  switch (m) {
    case Mode::L: case Mode::P: return 1;
    case Mode::LA: case Mode::I16: return 2;
    case Mode::RGB: return 3;
    case Mode::RGBA: case Mode::CMYK: return 4;
  }
  return 0;
}

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::L: return "L";
    case Mode::LA: return "LA";
    case Mode::P: return "P";
    case Mode::RGB: return "RGB";
    case Mode::RGBA: return "RGBA";
    case Mode::CMYK: return "CMYK";
    case Mode::I16: return "I;16";
  }
  return "?";
}

Format sniff_format(const uint8_t* b, size_t n) {
  if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return Format::jpeg;
  static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (n >= 8 && std::memcmp(b, png_sig, 8) == 0) return Format::png;
  return Format::unknown;
}

Decoded decode_image(const uint8_t* bytes, size_t n) {
  switch (sniff_format(bytes, n)) {
    case Format::jpeg: return decode_jpeg(bytes, n);
    case Format::png: return decode_png(bytes, n);
    default: throw UnsupportedFormat("not a JPEG or PNG file");
  }
}

namespace {
// (a * b + 128) / 255 rounded, in Pillow's integer form
inline int muldiv255(int a, int b) {
  const int t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}
inline uint8_t clip8(int v) { return uint8_t(v < 0 ? 0 : v > 255 ? 255 : v); }
}  // namespace

Rgb8 convert_to_rgb(const Decoded& im) {
  Rgb8 out(im.h, im.w);
  const size_t n = size_t(im.h) * im.w;
  const uint8_t* s = im.px.data();
  uint8_t* d = out.px.data();
  if (im.px.size() != n * bytes_per_pixel(im.mode)) throw std::runtime_error("decoded image has the wrong size");
  switch (im.mode) {
    case Mode::RGB: std::memcpy(d, s, n * 3); break;
    case Mode::L:
      for (size_t i = 0; i < n; i++) d[3 * i] = d[3 * i + 1] = d[3 * i + 2] = s[i];
      break;
    case Mode::LA:
      for (size_t i = 0; i < n; i++) d[3 * i] = d[3 * i + 1] = d[3 * i + 2] = s[2 * i];
      break;
    case Mode::RGBA:
      for (size_t i = 0; i < n; i++) std::memcpy(d + 3 * i, s + 4 * i, 3);
      break;
    case Mode::I16: {  // values above 255 clip to 255 (no rescaling)
      for (size_t i = 0; i < n; i++) {
        uint16_t v;
        std::memcpy(&v, s + 2 * i, 2);
        d[3 * i] = d[3 * i + 1] = d[3 * i + 2] = uint8_t(v > 255 ? 255 : v);
      }
      break;
    }
    case Mode::CMYK:
      for (size_t i = 0; i < n; i++) {
        const uint8_t* p = s + 4 * i;
        const int nk = 255 - p[3];
        for (int c = 0; c < 3; c++) d[3 * i + c] = clip8(nk - muldiv255(p[c], nk));
      }
      break;
    case Mode::P: {
      // Pillow starts every palette as a grey ramp and overwrites the entries the file gives.
      uint8_t lut[256][3];
      for (int i = 0; i < 256; i++) lut[i][0] = lut[i][1] = lut[i][2] = uint8_t(i);
      for (size_t i = 0; i < im.palette.size() && i < 256; i++) std::memcpy(lut[i], im.palette[i].data(), 3);
      for (size_t i = 0; i < n; i++) std::memcpy(d + 3 * i, lut[s[i]], 3);
      break;
    }
  }
  return out;
}

}  // namespace lk::image
