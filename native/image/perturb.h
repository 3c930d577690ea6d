// ImageNet-P perturbation sequences (make_imagenet_p.py, REFERENCE.md §4.3): from one image resized to a
// shorter side of 256, the frames of a sequence, each size x size RGB (the centre crop). 31 frames, translate 41.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "image/image_types.h"

namespace lk::image {

enum Perturbation {
  p_gaussian_noise, p_shot_noise, p_speckle_noise, p_motion_blur, p_zoom_blur, p_snow, p_brightness, p_translate,
  p_rotate, p_tilt, p_scale, p_shear, p_gaussian_blur, p_spatter, PERTURBATION_COUNT
};
static_assert(PERTURBATION_COUNT == 14, "ImageNet-P has 10 test and 4 validation perturbations");

extern const char* const perturbation_names[PERTURBATION_COUNT];
int perturbation_index(const std::string& name);
int perturbation_frames(int perturbation);

/**
 * The frames of one sequence. `level` 1..3 picks the noise perturbations' harder variants (<name>_2, _3);
 * the random draws come from the stream keyed by (seed, perturbation, level, image key).
 */
std::vector<uint8_t> perturb_sequence(int perturbation, int level, const RgbView& resized, int size, uint64_t seed, uint64_t key);

}  // namespace lk::image
