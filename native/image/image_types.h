// Images the corruption kernels work on: interleaved float planes (values on the 0..1 or 0..255 scale the
// reference uses at that step) and the uint8 RGB views they come from and go back to.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace lk::image {

// Marks a hot loop to be compiled twice, for x86-64-v3 (AVX2) and the baseline; the loader picks one.
#if defined(__x86_64__) && defined(__GNUC__)
#define LK_IMAGE_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define LK_IMAGE_HOT
#endif

/** Interleaved H x W x C float image (C = 1 or 3). */
struct FImage {
  int h = 0, w = 0, c = 0;
  std::vector<float> v;
  FImage() = default;
  FImage(int h_, int w_, int c_, float fill = 0.f) : h(h_), w(w_), c(c_), v(size_t(h_) * w_ * c_, fill) {}
  float* row(int y) { return v.data() + size_t(y) * w * c; }
  const float* row(int y) const { return v.data() + size_t(y) * w * c; }
  float& at(int y, int x, int k = 0) { return v[(size_t(y) * w + x) * c + k]; }
  float at(int y, int x, int k = 0) const { return v[(size_t(y) * w + x) * c + k]; }
};

/** A borrowed uint8 RGB image, rows contiguous (H x W x 3). */
struct RgbView {
  const uint8_t* data = nullptr;
  int h = 0, w = 0;
};

/** x / 255 as floats, the reference's `np.array(x) / 255.`. */
FImage to_unit(const RgbView& src);
/** clip(x, 0, 1) * 255 truncated to uint8, as the generator saves. */
void unit_to_u8(const FImage& x, uint8_t* dst);
/** clip(x, 0, 255) truncated to uint8 (for results already on the 0..255 scale). */
void byte_scale_to_u8(const FImage& x, uint8_t* dst);

}  // namespace lk::image
