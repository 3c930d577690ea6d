// JPEG as Pillow decodes it (its JpegImagePlugin + JpegDecode.c): the library's default IDCT (islow) and fancy
// upsampling, no DCT scaling (Pillow scales only after draft(), which torchvision never calls); 1 component ->
// L, 3 -> RGB (libjpeg converts YCbCr), 4 -> CMYK read as Adobe-inverted ("CMYK;I": every 4-component JPEG,
// with or without the Adobe marker; libjpeg converts YCCK to CMYK first).
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>
#include <jerror.h>

#include "image/decode.h"

namespace lk::image {

namespace {

struct ErrorMgr {
  jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool truncated;
};

void on_error(j_common_ptr cinfo) {
  auto* e = reinterpret_cast<ErrorMgr*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, e->message);
  longjmp(e->jump, 1);
}
// Pillow ignores libjpeg's warnings (corrupt data is decoded as well as it can be) but refuses a file that ends
// early ("image file is truncated"): libjpeg would pad it with grey rows, so remember that warning.
void on_message(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) reinterpret_cast<ErrorMgr*>(cinfo->err)->truncated = true;
}

}  // namespace

Decoded decode_jpeg(const uint8_t* bytes, size_t n) {
  jpeg_decompress_struct cinfo;
  ErrorMgr err;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error;
  err.pub.emit_message = on_message;
  err.truncated = false;
  // Everything the setjmp branch touches lives outside the longjmp'd frame's registers.
  Decoded* volatile out = new Decoded();
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    delete out;
    throw std::runtime_error(std::string("JPEG: ") + err.message);
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes, (unsigned long)n);
  jpeg_read_header(&cinfo, TRUE);
  Mode mode;
  switch (cinfo.num_components) {
    case 1: mode = Mode::L; cinfo.out_color_space = JCS_GRAYSCALE; break;
    case 3: mode = Mode::RGB; cinfo.out_color_space = JCS_RGB; break;
    case 4: mode = Mode::CMYK; cinfo.out_color_space = JCS_CMYK; break;
    default: longjmp(err.jump, (std::snprintf(err.message, sizeof err.message, "%d components", cinfo.num_components), 1));
  }
  jpeg_start_decompress(&cinfo);
  Decoded& d = *out;
  d.mode = mode;
  d.w = int(cinfo.output_width);
  d.h = int(cinfo.output_height);
  const int c = cinfo.output_components;
  d.px.resize(size_t(d.w) * d.h * c);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = d.px.data() + size_t(cinfo.output_scanline) * d.w * c;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (err.truncated) {
    delete out;
    throw std::runtime_error("JPEG: image file is truncated");
  }
  if (mode == Mode::CMYK)
    for (auto& v : d.px) v = uint8_t(255 - v);  // "CMYK;I": Adobe writes inverted CMYK
  Decoded r = std::move(d);
  delete out;
  return r;
}

}  // namespace lk::image
