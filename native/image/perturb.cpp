#include "image/perturb.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/tensor.h"
#include "image/corruptions.h"
#include "image/filters.h"
#include "image/rng.h"

namespace lk::image {

const char* const perturbation_names[PERTURBATION_COUNT] = {
    "gaussian_noise", "shot_noise", "speckle_noise", "motion_blur", "zoom_blur", "snow", "brightness",
    "translate", "rotate", "tilt", "scale", "shear", "gaussian_blur", "spatter"};

int perturbation_index(const std::string& name) {
  for (int i = 0; i < PERTURBATION_COUNT; i++)
    if (name == perturbation_names[i]) return i;
  return -1;
}

int perturbation_frames(int p) { return p == p_translate ? 41 : 31; }

namespace {

struct Frames {
  int size, count;
  std::vector<uint8_t> bytes;
  uint8_t* frame(int i) { return bytes.data() + size_t(i) * size * size * 3; }
};

// Centre crop (torchvision CenterCrop offsets) of a float image.
FImage centre_crop(const FImage& x, int size) {
  const int top = int(std::lround((x.h - size) / 2.0)), left = int(std::lround((x.w - size) / 2.0));
  FImage c(size, size, x.c);
  for (int y = 0; y < size; y++) std::copy_n(x.row(top + y) + size_t(left) * x.c, size_t(size) * x.c, c.row(y));
  return c;
}

// Samples the centre size x size window of an image warped by `inv` (output pixel -> source, 3x3 homogeneous,
// pixel centres at integer coordinates), bilinear, black outside the source.
void warp_crop(const FImage& x, const double inv[3][3], int size, uint8_t* dst) {
  const int top = int(std::lround((x.h - size) / 2.0)), left = int(std::lround((x.w - size) / 2.0));
  for (int y = 0; y < size; y++)
    for (int xx = 0; xx < size; xx++) {
      const double gx = xx + left, gy = y + top;
      const double wz = inv[2][0] * gx + inv[2][1] * gy + inv[2][2];
      const double sx = (inv[0][0] * gx + inv[0][1] * gy + inv[0][2]) / wz, sy = (inv[1][0] * gx + inv[1][1] * gy + inv[1][2]) / wz;
      const int x0 = int(std::floor(sx)), y0 = int(std::floor(sy));
      const float tx = float(sx - x0), ty = float(sy - y0);
      float acc[3] = {0, 0, 0};
      for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++) {
          const int px = x0 + dx, py = y0 + dy;
          if (px < 0 || py < 0 || px >= x.w || py >= x.h) continue;
          const float w = (dx ? tx : 1 - tx) * (dy ? ty : 1 - ty);
          for (int k = 0; k < 3; k++) acc[k] += w * x.at(py, px, k);
        }
      for (int k = 0; k < 3; k++) dst[(size_t(y) * size + xx) * 3 + k] = uint8_t(std::clamp(acc[k], 0.f, 1.f) * 255.f);
    }
}

// Inverse of an affine map about the image centre: output = c + A (source - c).
void centred_affine_inverse(const FImage& x, double a, double b, double c, double d, double inv[3][3]) {
  const double cx = (x.w - 1) / 2.0, cy = (x.h - 1) / 2.0, det = a * d - b * c;
  const double ia = d / det, ib = -b / det, ic = -c / det, id = a / det;
  inv[0][0] = ia, inv[0][1] = ib, inv[0][2] = cx - ia * cx - ib * cy;
  inv[1][0] = ic, inv[1][1] = id, inv[1][2] = cy - ic * cx - id * cy;
  inv[2][0] = 0, inv[2][1] = 0, inv[2][2] = 1;
}

void invert3(const double m[3][3], double out[3][3]) {
  const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                     m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      const int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
      out[i][j] = (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]) / det;
    }
}

// The tilt homography H = P2 T Rx(theta) Ry(phi) P1 of the generator (forward map), for a w x h image. P1 lifts
// pixels to the z = 0 plane (third row zero): REFERENCE.md §4.3 prints (0,0,1) there, which would make the 0°
// frame a rescaled image instead of the image itself; with z = 0 the sequence passes through the clean crop.
void tilt_homography(double w, double h, double deg, double H[3][3]) {
  const double t = deg * M_PI / 180.0, f = std::sqrt(w * w + h * h), c = std::cos(t), s = std::sin(t);
  const double P1[4][3] = {{1, 0, -w / 2}, {0, 1, -h / 2}, {0, 0, 0}, {0, 0, 1}};
  const double Rx[4][4] = {{1, 0, 0, 0}, {0, c, -s, 0}, {0, s, c, 0}, {0, 0, 0, 1}};
  const double Ry[4][4] = {{c, 0, -s, 0}, {0, 1, 0, 0}, {s, 0, c, 0}, {0, 0, 0, 1}};
  const double T[4][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, f}, {0, 0, 0, 1}};
  const double P2[3][4] = {{f, 0, w / 2, 0}, {0, f, h / 2, 0}, {0, 0, 1, 0}};
  double A[4][3], B[4][3], C[4][3], D[4][3];
  auto mul43 = [](const double L[4][4], const double R[4][3], double O[4][3]) {
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 3; j++) {
        O[i][j] = 0;
        for (int k = 0; k < 4; k++) O[i][j] += L[i][k] * R[k][j];
      }
  };
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 3; j++) A[i][j] = P1[i][j];
  mul43(Ry, A, B);
  mul43(Rx, B, C);
  mul43(T, C, D);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      H[i][j] = 0;
      for (int k = 0; k < 4; k++) H[i][j] += P2[i][k] * D[k][j];
    }
}

void store(const FImage& x, uint8_t* dst) { unit_to_u8(x, dst); }

}  // namespace

std::vector<uint8_t> perturb_sequence(int p, int level, const RgbView& resized, int size, uint64_t seed, uint64_t key) {
  if (p < 0 || p >= PERTURBATION_COUNT) throw lk::ArgError("perturb: unknown perturbation");
  if (level < 1 || level > 3) throw lk::ArgError("perturb: level must be 1..3");
  if (level > 1 && p != p_gaussian_noise && p != p_shot_noise && p != p_speckle_noise)
    throw lk::ArgError(std::string("perturb: ") + perturbation_names[p] + " has no harder variants (_2, _3 exist for the noises)");
  if (resized.h < size || resized.w < size) throw lk::ArgError("perturb: the image is smaller than the crop");
  Rng rng(seed, uint64_t(0x100 + p), uint64_t(level), key);
  const FImage big = to_unit(resized);
  const FImage x = centre_crop(big, size);
  Frames f{size, perturbation_frames(p), std::vector<uint8_t>(size_t(perturbation_frames(p)) * size * size * 3)};
  const size_t n = size_t(size) * size * 3;
  switch (p) {
    case p_gaussian_noise:
    case p_speckle_noise: {
      const double c = p == p_gaussian_noise ? std::array<double, 3>{0.03, 0.05, 0.08}[level - 1] : std::array<double, 3>{0.05, 0.10, 0.15}[level - 1];
      store(x, f.frame(0));
      std::vector<float> z(n);
      for (int i = 1; i < f.count; i++) {
        rng.fill_normal(z.data(), n);
        for (size_t k = 0; k < n; k++) {
          const float v = x.v[k] + (p == p_speckle_noise ? x.v[k] : 1.f) * float(c) * z[k];
          f.frame(i)[k] = uint8_t(std::clamp(v, 0.f, 1.f) * 255.f);
        }
      }
      break;
    }
    case p_shot_noise: {
      const double c = std::array<double, 3>{300, 120, 60}[level - 1];
      store(x, f.frame(0));
      std::vector<uint8_t> crop8(n);
      unit_to_u8(x, crop8.data());
      for (int i = 1; i < f.count; i++) shot_noise_bytes(crop8.data(), f.frame(i), n, c, rng);
      break;
    }
    case p_motion_blur: {
      FImage xb(size, size, 3);
      for (size_t k = 0; k < n; k++) xb.v[k] = std::floor(x.v[k] * 255.f + 0.5f);
      for (int i = 0; i < f.count; i++) byte_scale_to_u8(motion_blur(xb, 10, 3, (i - 30) * 4.0), f.frame(i));
      break;
    }
    case p_zoom_blur: {
      FImage acc = x;
      store(acc, f.frame(0));
      for (int i = 1; i < f.count; i++) {
        const double z = 1 + 0.004 * i;
        double inv[3][3];
        centred_affine_inverse(big, z, 0, 0, z, inv);
        std::vector<uint8_t> zf(n);
        warp_crop(big, inv, size, zf.data());
        for (size_t k = 0; k < n; k++) acc.v[k] += zf[k] / 255.f;
        FImage mean(size, size, 3);
        for (size_t k = 0; k < n; k++) mean.v[k] = acc.v[k] / float(i + 1);
        store(mean, f.frame(i));
      }
      break;
    }
    case p_snow: {
      FImage layer(size, size, 1);
      rng.fill_normal(layer.v.data(), layer.v.size());
      for (float& v : layer.v) v = 0.05f + 0.3f * v;
      layer = clipped_zoom(layer, 3);
      for (float& v : layer.v) v = v < 0.5f ? 0.f : std::min(v, 1.f);
      for (float& v : layer.v) v = std::floor(v * 255.f) / 255.f;  // kept as uint8
      for (int i = 0; i < f.count; i++) snow_overlay(x, motion_blur(layer, 14, 4, 4.0 * i - 150), 0.85f, f.frame(i));
      break;
    }
    case p_brightness: {  // ImageNet-C's brightness with c = (i - 15) * 0.02
      std::vector<uint8_t> crop8(n);
      unit_to_u8(x, crop8.data());
      for (int i = 0; i < f.count; i++) {
        const std::vector<double> c = {(i - 15) * 0.02};
        corrupt_brightness(Inputs{RgbView{crop8.data(), size, size}, c, rng, nullptr}, f.frame(i));
      }
      break;
    }
    case p_translate:
    case p_rotate:
    case p_scale:
    case p_shear:
    case p_tilt: {
      for (int i = 0; i < f.count; i++) {
        double inv[3][3];
        if (p == p_translate) {
          centred_affine_inverse(big, 1, 0, 0, 1, inv);
          inv[0][2] -= (i - 20);  // content moves right by i - 20 px
        } else if (p == p_rotate) {
          const double t = (i - 15) * M_PI / 180.0;  // counter-clockwise on screen (y down), as torchvision
          centred_affine_inverse(big, std::cos(t), std::sin(t), -std::sin(t), std::cos(t), inv);
        } else if (p == p_scale) {
          const double s = (40 + 2.5 * i) / 100;
          centred_affine_inverse(big, s, 0, 0, s, inv);
        } else if (p == p_shear) {
          centred_affine_inverse(big, 1, -std::tan((i - 15) * M_PI / 180.0), 0, 1, inv);
        } else {
          double Hm[3][3];
          tilt_homography(big.w, big.h, i - 15, Hm);
          invert3(Hm, inv);
        }
        warp_crop(big, inv, size, f.frame(i));
      }
      break;
    }
    case p_gaussian_blur: {
      for (int i = 0; i < f.count; i++) store(gaussian(x, 0.25 + 0.035 * i, Border::nearest, 6.0), f.frame(i));
      break;
    }
    case p_spatter: {
      FImage liquid(size, size, 1);
      rng.fill_normal(liquid.v.data(), liquid.v.size());
      for (float& v : liquid.v) v = 0.65f + 0.27f * v;
      liquid = gaussian(liquid, 3.7);
      for (float& v : liquid.v)
        if (v < 0.69f) v = 0.f;
      const float k4[4] = {0.05f, 0.1f, 0.15f, 0.7f};
      for (int i = 0; i < f.count; i++) {
        water_overlay(x, liquid, 0.6, f.frame(i));
        // The drops run down: the layer correlated along columns with [0.05, 0.1, 0.15, 0.7] ('same', zero fill).
        FImage next(size, size, 1);
        for (int y = 0; y < size; y++)
          for (int xx = 0; xx < size; xx++) {
            float s = 0;
            for (int t = 0; t < 4; t++) {
              const int yy = y + t - 2;
              if (yy >= 0 && yy < size) s += k4[3 - t] * liquid.at(yy, xx);
            }
            next.at(y, xx) = s;
          }
        liquid = next;
      }
      break;
    }
  }
  return f.bytes;
}

}  // namespace lk::image
