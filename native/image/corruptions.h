// The 19 ImageNet-C corruptions (15 benchmark + 4 extra, in the generator's order) as functions of
// (uint8 RGB image, one severity's parameters, random stream) -> uint8 RGB image of the same size.
// Parameters come from data/corruption_params.json (one severity's tuple, flattened); REFERENCE.md §3.4 and
// docs/CORRUPTIONS.md give each definition.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "image/image_types.h"
#include "image/rng.h"

namespace lk::image {

enum Corruption {
  gaussian_noise, shot_noise, impulse_noise, defocus_blur, glass_blur, motion_blur_c, zoom_blur, snow, frost, fog,
  brightness, contrast, elastic_transform, pixelate, jpeg_compression, speckle_noise, gaussian_blur, spatter,
  saturate, CORRUPTION_COUNT
};
static_assert(CORRUPTION_COUNT == 19, "ImageNet-C has 15 benchmark and 4 extra corruptions");

extern const char* const corruption_names[CORRUPTION_COUNT];
/** Index of a corruption by its released folder name, or -1. */
int corruption_index(const std::string& name);

/** Texture images frost blends in (procedural or user files), all at least as large as the images. */
struct FrostBank {
  std::vector<std::vector<uint8_t>> rgb;
  std::vector<int> h, w;
};

struct Inputs {
  RgbView src;
  const std::vector<double>& params;
  Rng& rng;
  const FrostBank* frost;
};

using CorruptFn = void (*)(const Inputs& in, uint8_t* dst);

// One family per file: noise.cpp, blur.cpp, weather.cpp, digital.cpp; brightness and saturate in hsv.cpp.
void corrupt_gaussian_noise(const Inputs&, uint8_t*);
void corrupt_shot_noise(const Inputs&, uint8_t*);
void corrupt_impulse_noise(const Inputs&, uint8_t*);
void corrupt_speckle_noise(const Inputs&, uint8_t*);
void corrupt_defocus_blur(const Inputs&, uint8_t*);
void corrupt_glass_blur(const Inputs&, uint8_t*);
void corrupt_motion_blur(const Inputs&, uint8_t*);
void corrupt_zoom_blur(const Inputs&, uint8_t*);
void corrupt_gaussian_blur(const Inputs&, uint8_t*);
void corrupt_snow(const Inputs&, uint8_t*);
void corrupt_frost(const Inputs&, uint8_t*);
void corrupt_fog(const Inputs&, uint8_t*);
void corrupt_brightness(const Inputs&, uint8_t*);
void corrupt_spatter(const Inputs&, uint8_t*);
void corrupt_contrast(const Inputs&, uint8_t*);
void corrupt_elastic_transform(const Inputs&, uint8_t*);
void corrupt_pixelate(const Inputs&, uint8_t*);
void corrupt_jpeg_compression(const Inputs&, uint8_t*);
void corrupt_saturate(const Inputs&, uint8_t*);

extern const CorruptFn corruption_fns[CORRUPTION_COUNT];
/** How many parameters one severity of each corruption has (zoom_blur: any number of factors, -1). */
extern const int corruption_param_count[CORRUPTION_COUNT];

/** snow's blend: b x + (1 - b) max(x, 1.5 gray + 0.5) + layer + layer rotated 180° (layer kept as uint8). */
void snow_overlay(const FImage& x, const FImage& blurred_layer, float b, uint8_t* dst);
/** spatter's water drops (strength k) over x in [0, 1] for a liquid layer (also ImageNet-P's spatter). */
void water_overlay(const FImage& x, const FImage& liquid, double k, uint8_t* dst);

/** Poisson(x*c)/c of each byte x (as x/255), truncated to bytes (shot noise; also ImageNet-P's). */
void shot_noise_bytes(const uint8_t* src, uint8_t* dst, size_t n, double c, Rng& rng);

/** Procedural frost textures (our substitute for the generator's photographs): `count` RGB images h x w. */
FrostBank procedural_frost(uint64_t seed, int count, int h, int w);

}  // namespace lk::image
