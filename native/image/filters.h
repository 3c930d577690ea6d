// Image primitives shared by the corruptions, each written to agree with the library the reference generator
// called: skimage/scipy Gaussian filters, OpenCV filter2D/blur (reflect-101), scipy `zoom` (order 1), the
// ImageMagick-equivalent motion blur, skimage's HSV round trip.
#pragma once
#include <vector>

#include "image/image_types.h"

namespace lk::image {

/** Border rules: scipy 'nearest' (edge replicate), scipy 'reflect' (dcba|abcd), OpenCV default (dcb|abcd). */
enum class Border { nearest, reflect, reflect101 };

/** Source index for position i (any integer) on an axis of n samples. */
int border_index(int i, int n, Border b);

/** skimage.filters.gaussian: separable over rows and columns, radius int(truncate*sigma + 0.5). */
FImage gaussian(const FImage& x, double sigma, Border border = Border::nearest, double truncate = 4.0);

/** cv2.filter2D (correlation, anchor at the centre, reflect-101) with a kernel of size kh x kw. */
FImage filter2d(const FImage& x, const std::vector<float>& kernel, int kh, int kw);

/** cv2.blur with a 3x3 box (normalised), reflect-101. */
FImage box3(const FImage& x);

/**
 * The generator's clipped_zoom: crop the central ceil(n/z) window per axis, scale it by z with scipy.ndimage.zoom
 * (order 1, corners mapped to corners, output round(ceil(n/z)*z)), keep the central H x W.
 */
FImage clipped_zoom(const FImage& x, double z);
/** clipped_zoom(x, z) written into `out` (same size), or added to it. */
void clipped_zoom_into(const FImage& x, double z, FImage& out, bool add);

/** Motion blur as ImageMagick's MotionBlurImage (2*radius+1 Gaussian-weighted taps along angle_deg), edge replicate. */
FImage motion_blur(const FImage& x, int radius, double sigma, double angle_deg);

/** skimage.color.rgb2hsv / hsv2rgb on one pixel (all values in [0, 1]). */
void rgb_to_hsv(double r, double g, double b, double& h, double& s, double& v);
void hsv_to_rgb(double h, double s, double v, double& r, double& g, double& b);

}  // namespace lk::image
