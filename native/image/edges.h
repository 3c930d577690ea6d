// The OpenCV steps of spatter's water drops on single-channel uint8 images: Canny edges, the 5x5 chamfer
// distance transform, histogram equalisation, and filter2D into saturated uint8.
#pragma once
#include <cstdint>
#include <vector>

namespace lk::image {

/** cv2.Canny(img, low, high): 3x3 Sobel (replicate border), L1 magnitude, NMS, hysteresis; edges = 255. */
std::vector<uint8_t> canny(const std::vector<uint8_t>& img, int h, int w, int low, int high);
/** cv2.distanceTransform(src, DIST_L2, 5): chamfer distance (1, 1.4, 2.1969) of each non-zero pixel to a zero one. */
std::vector<float> distance_transform_5x5(const std::vector<uint8_t>& src, int h, int w);
/** cv2.equalizeHist. */
std::vector<uint8_t> equalize_hist(const std::vector<uint8_t>& img);
/** cv2.filter2D(img, CV_8U, k3x3): integer 3x3 correlation, reflect-101, rounded and saturated. */
std::vector<uint8_t> filter3x3_u8(const std::vector<uint8_t>& img, int h, int w, const int k[9]);

}  // namespace lk::image
