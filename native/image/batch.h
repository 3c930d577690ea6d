// The batch entry point: one corruption at one severity over many images, OpenMP over images. Each image's
// random stream is keyed by (seed, corruption, severity, image key), so results are scheduling-independent.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "image/corruptions.h"

namespace lk::image {

struct BatchSpec {
  int corruption = -1;
  int severity = 1;
  std::vector<double> params;  // that severity's tuple from data/corruption_params.json
  uint64_t seed = 0;
  const FrostBank* frost = nullptr;
  int jpeg_quality = 0;  // > 0: also encode each result as JPEG (the released sets' q85 save)
};

struct BatchImage {
  RgbView src;
  uint64_t key = 0;
  uint8_t* dst = nullptr;           // h x w x 3 result
  std::vector<uint8_t> jpeg;        // filled when jpeg_quality > 0
};

/** Validates the spec (throws lk::ArgError) and corrupts every image. */
void corrupt_batch(const BatchSpec& spec, std::vector<BatchImage>& images);

}  // namespace lk::image
