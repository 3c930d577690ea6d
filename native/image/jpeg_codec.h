// JPEG through libjpeg(-turbo) with the settings PIL's `Image.save(..., 'JPEG', quality=q)` uses: standard IJG
// tables scaled by quality (baseline-clamped), 4:2:0, islow DCT; decoding with islow IDCT and fancy upsampling.
#pragma once
#include <cstdint>
#include <vector>

namespace lk::image {

/** Encodes an H x W x 3 RGB image. `optimize` = optimised Huffman tables (smaller file, same pixels). */
std::vector<uint8_t> jpeg_encode(const uint8_t* rgb, int h, int w, int quality, bool optimize);
/** Decodes a JPEG into RGB; the size must be h x w. */
void jpeg_decode(const std::vector<uint8_t>& bytes, uint8_t* rgb, int h, int w);

}  // namespace lk::image
