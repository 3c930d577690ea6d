#include "image/corruptions.h"

namespace lk::image {

const char* const corruption_names[CORRUPTION_COUNT] = {
    "gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur", "motion_blur", "zoom_blur",
    "snow", "frost", "fog", "brightness", "contrast", "elastic_transform", "pixelate", "jpeg_compression",
    "speckle_noise", "gaussian_blur", "spatter", "saturate"};

const CorruptFn corruption_fns[CORRUPTION_COUNT] = {
    corrupt_gaussian_noise, corrupt_shot_noise, corrupt_impulse_noise, corrupt_defocus_blur, corrupt_glass_blur,
    corrupt_motion_blur, corrupt_zoom_blur, corrupt_snow, corrupt_frost, corrupt_fog, corrupt_brightness,
    corrupt_contrast, corrupt_elastic_transform, corrupt_pixelate, corrupt_jpeg_compression, corrupt_speckle_noise,
    corrupt_gaussian_blur, corrupt_spatter, corrupt_saturate};

const int corruption_param_count[CORRUPTION_COUNT] = {1, 1, 1, 2, 3, 2, -1, 7, 2, 2, 1, 1, 3, 1, 1, 1, 1, 6, 2};

int corruption_index(const std::string& name) {
  for (int i = 0; i < CORRUPTION_COUNT; i++)
    if (name == corruption_names[i]) return i;
  return -1;
}

}  // namespace lk::image
