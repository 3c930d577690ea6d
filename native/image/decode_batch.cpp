#include "image/decode_batch.h"

#include <omp.h>

#include <array>
#include <cstring>

namespace lk::image {

namespace {

Decoded from_raw(const PixelItem& it) {
  Decoded d;
  static const Mode modes[] = {Mode::L, Mode::LA, Mode::RGB, Mode::RGBA};
  if (it.raw_channels < 1 || it.raw_channels > 4) throw std::runtime_error("raw pixels must have 1 to 4 channels");
  d.mode = modes[it.raw_channels - 1];
  d.w = it.raw_w;
  d.h = it.raw_h;
  d.px.assign(it.raw, it.raw + size_t(d.w) * d.h * it.raw_channels);
  return d;
}

void one(const PixelSpec& spec, PixelItem& it) {
  Decoded d = it.raw ? from_raw(it) : decode_image(it.bytes, it.n);
  it.mode = d.mode;
  it.w = d.w;
  it.h = d.h;
  Rgb8 rgb = convert_to_rgb(d);
  d = Decoded();  // free the decoded copy before resampling
  const Plan plan = plan_for(spec, rgb.w, rgb.h);
  if (plan.resize) rgb = resample_rgb(rgb, plan.resize_w, plan.resize_h, spec.filter);
  const size_t per = size_t(spec.size) * spec.size * 3;
  if (it.dst_u8) {
    crop_into(rgb, plan, spec.size, it.dst_u8);
  } else {
    std::vector<uint8_t> tmp(per);
    crop_into(rgb, plan, spec.size, tmp.data());
    // float32 x / 255 as torchvision's ToTensor divides (one correctly rounded float division)
    static const auto unit = [] {
      std::array<float, 256> t{};
      for (int v = 0; v < 256; v++) t[v] = float(v) / 255.0f;
      return t;
    }();
    for (size_t i = 0; i < per; i++) it.dst_f32[i] = unit[tmp[i]];
  }
}

}  // namespace

void preprocess_batch(const PixelSpec& spec, std::vector<PixelItem>& items, int threads) {
  const int nt = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
  for (long i = 0; i < long(items.size()); i++) {
    PixelItem& it = items[i];
    try {
      one(spec, it);
    } catch (const UnsupportedFormat& e) {
      it.unsupported = true;
      it.error = e.what();
    } catch (const std::exception& e) {
      it.error = e.what();
    }
  }
}

}  // namespace lk::image
