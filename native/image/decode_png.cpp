// PNG in the modes Pillow's PngImagePlugin opens it in: gray 1/2/4-bit scaled to L (x255, x85, x17), 8-bit L,
// 16-bit gray as I;16 (the full value kept), palette images as P with their palette, 8-bit LA/RGB/RGBA, and
// 16-bit LA/RGB/RGBA reduced to their high byte (rawmodes "LA;16B" (into RGBA), "RGB;16B", "RGBA;16B"). tRNS, gAMA, sRGB
// and iCCP chunks change nothing (Pillow keeps them as info, convert('RGB') ignores them).
#include <csetjmp>
#include <cstring>

#include <png.h>

#include "image/decode.h"

namespace lk::image {

namespace {

struct Reader {
  const uint8_t* p;
  size_t n, at;
};

void read_fn(png_structp png, png_bytep out, png_size_t len) {
  auto* r = static_cast<Reader*>(png_get_io_ptr(png));
  if (len > r->n - r->at) png_error(png, "image file is truncated");
  std::memcpy(out, r->p + r->at, len);
  r->at += len;
}

void on_error(png_structp png, png_const_charp msg) {
  auto* m = static_cast<std::string*>(png_get_error_ptr(png));
  *m = msg;
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}

}  // namespace

Decoded decode_png(const uint8_t* bytes, size_t n) {
  std::string message;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &message, on_error, on_warning);
  if (!png) throw std::bad_alloc();
  png_infop info = png_create_info_struct(png);
  Reader reader{bytes, n, 0};
  Decoded* volatile out = new Decoded();
  std::vector<png_bytep>* volatile rows = new std::vector<png_bytep>();
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    delete out;
    delete rows;
    throw std::runtime_error("PNG: " + message);
  }
  png_set_read_fn(png, &reader, read_fn);
  png_read_info(png, info);
  const int depth = png_get_bit_depth(png, info);
  const int type = png_get_color_type(png, info);
  Decoded& d = *out;
  d.w = int(png_get_image_width(png, info));
  d.h = int(png_get_image_height(png, info));
  switch (type) {
    case PNG_COLOR_TYPE_GRAY:
      if (depth == 16) {
        d.mode = Mode::I16;
        png_set_swap(png);  // stored big-endian; keep native uint16
      } else {
        d.mode = Mode::L;
        if (depth < 8) png_set_expand_gray_1_2_4_to_8(png);
      }
      break;
    case PNG_COLOR_TYPE_PALETTE: {
      d.mode = Mode::P;
      if (depth < 8) png_set_packing(png);  // one index per byte
      png_colorp pal = nullptr;
      int count = 0;
      if (png_get_PLTE(png, info, &pal, &count))
        for (int i = 0; i < count; i++) d.palette.push_back({pal[i].red, pal[i].green, pal[i].blue});
      break;
    }
    case PNG_COLOR_TYPE_GRAY_ALPHA:
      // 16-bit grey + alpha opens as RGBA in Pillow (rawmode "LA;16B" into an RGBA image)
      d.mode = depth == 16 ? Mode::RGBA : Mode::LA;
      if (depth == 16) png_set_gray_to_rgb(png);
      break;
    case PNG_COLOR_TYPE_RGB: d.mode = Mode::RGB; break;
    case PNG_COLOR_TYPE_RGB_ALPHA: d.mode = Mode::RGBA; break;
    default: png_error(png, "unknown colour type");
  }
  if (depth == 16 && d.mode != Mode::I16) png_set_strip_16(png);  // the high byte, as Pillow's ";16B" unpackers
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const size_t stride = png_get_rowbytes(png, info);
  const size_t want = size_t(d.w) * bytes_per_pixel(d.mode);
  if (stride != want) png_error(png, "unexpected row size");
  d.px.resize(stride * d.h);
  rows->resize(d.h);
  for (int y = 0; y < d.h; y++) (*rows)[y] = d.px.data() + y * stride;
  png_read_image(png, rows->data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  Decoded r = std::move(d);
  delete out;
  delete rows;
  return r;
}

}  // namespace lk::image
