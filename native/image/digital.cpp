// Digital family: contrast, elastic_transform (the generator's, with its affine step), pixelate, JPEG; saturate is
// in hsv.cpp.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "image/corruptions.h"
#include "image/filters.h"
#include "image/jpeg_codec.h"

namespace lk::image {

LK_IMAGE_HOT void corrupt_contrast(const Inputs& in, uint8_t* dst) {
  const double c = in.params[0];
  const size_t n = size_t(in.src.h) * in.src.w;
  double mean[3] = {0, 0, 0};
  for (size_t i = 0; i < n; i++)
    for (int k = 0; k < 3; k++) mean[k] += in.src.data[3 * i + k] / 255.0;
  for (double& m : mean) m /= double(n);
  for (size_t i = 0; i < n; i++)
    for (int k = 0; k < 3; k++) {
      const double x = in.src.data[3 * i + k] / 255.0;
      dst[3 * i + k] = uint8_t(std::clamp((x - mean[k]) * c + mean[k], 0.0, 1.0) * 255.0);
    }
}

void corrupt_jpeg_compression(const Inputs& in, uint8_t* dst) {
  auto bytes = jpeg_encode(in.src.data, in.src.h, in.src.w, int(in.params[0]), false);
  jpeg_decode(bytes, dst, in.src.h, in.src.w);
}

namespace {

// PIL's BOX resampling coefficients (Resample.c precompute_coeffs) in its 22-bit fixed point.
struct BoxCoeffs {
  std::vector<int> xmin, count;
  std::vector<int> k;
  int ksize;
  BoxCoeffs(int in, int out) : xmin(out), count(out) {
    const double scale = double(in) / out, fscale = std::max(scale, 1.0), support = 0.5 * fscale;
    ksize = int(std::ceil(support)) * 2 + 1;
    k.assign(size_t(out) * ksize, 0);
    std::vector<double> w(ksize);
    for (int o = 0; o < out; o++) {
      const double centre = (o + 0.5) * scale;
      int lo = std::max(int(centre - support + 0.5), 0), hi = std::min(int(centre + support + 0.5), in);
      double ww = 0;
      for (int j = 0; j < hi - lo; j++) {
        const double t = (j + lo - centre + 0.5) / fscale;
        ww += w[j] = (t > -0.5 && t <= 0.5) ? 1.0 : 0.0;
      }
      for (int j = 0; j < hi - lo; j++) {
        const double v = ww != 0 ? w[j] / ww : w[j];
        k[size_t(o) * ksize + j] = int(v < 0 ? -0.5 + v * (1 << 22) : 0.5 + v * (1 << 22));
      }
      xmin[o] = lo, count[o] = hi - lo;
    }
  }
};

inline uint8_t clip8(int32_t acc) { return uint8_t(std::clamp(acc >> 22, 0, 255)); }

// PIL Image.resize(BOX): horizontal pass, then vertical, each rounded to uint8 (PIL's 32-bit accumulators: the
// weights of one output sum to 2^22, so 255 * 2^22 fits).
LK_IMAGE_HOT std::vector<uint8_t> box_resize(const uint8_t* src, int h, int w, int oh, int ow) {
  BoxCoeffs cx(w, ow), cy(h, oh);
  std::vector<uint8_t> tmp(size_t(h) * ow * 3), out(size_t(oh) * ow * 3);
  for (int y = 0; y < h; y++)
    for (int o = 0; o < ow; o++) {
      int32_t a0 = 1 << 21, a1 = 1 << 21, a2 = 1 << 21;
      const uint8_t* s = src + (size_t(y) * w + cx.xmin[o]) * 3;
      const int* k = &cx.k[size_t(o) * cx.ksize];
      for (int j = 0; j < cx.count[o]; j++) a0 += s[3 * j] * k[j], a1 += s[3 * j + 1] * k[j], a2 += s[3 * j + 2] * k[j];
      uint8_t* t = &tmp[(size_t(y) * ow + o) * 3];
      t[0] = clip8(a0), t[1] = clip8(a1), t[2] = clip8(a2);
    }
  const int rw = ow * 3;
  std::vector<int32_t> acc(rw);
  for (int o = 0; o < oh; o++) {
    std::fill(acc.begin(), acc.end(), 1 << 21);
    for (int j = 0; j < cy.count[o]; j++) {  // whole rows at a time: vectorises
      const uint8_t* t = &tmp[size_t(cy.xmin[o] + j) * rw];
      const int32_t kj = cy.k[size_t(o) * cy.ksize + j];
      for (int x = 0; x < rw; x++) acc[x] += t[x] * kj;
    }
    for (int x = 0; x < rw; x++) out[size_t(o) * rw + x] = clip8(acc[x]);
  }
  return out;
}

}  // namespace

LK_IMAGE_HOT void corrupt_pixelate(const Inputs& in, uint8_t* dst) {
  const double c = in.params[0];
  const int H = in.src.h, W = in.src.w, oh = std::max(1, int(H * c)), ow = std::max(1, int(W * c));
  auto small = box_resize(in.src.data, H, W, oh, ow);
  // Back up with nearest neighbour (what BOX upsampling amounts to): source floor((i + 0.5) * small / big). Rows
  // repeat: each distinct one is built once and copied.
  std::vector<int> sx(W);
  for (int x = 0; x < W; x++) sx[x] = std::min(int((x + 0.5) * ow / W), ow - 1) * 3;
  int built = -1;
  for (int y = 0; y < H; y++) {
    const int sy = std::min(int((y + 0.5) * oh / H), oh - 1);
    uint8_t* d = dst + size_t(y) * W * 3;
    if (sy == built) {
      std::memcpy(d, d - size_t(W) * 3, size_t(W) * 3);
      continue;
    }
    const uint8_t* s = &small[size_t(sy) * ow * 3];
    for (int x = 0; x < W; x++) d[3 * x] = s[sx[x]], d[3 * x + 1] = s[sx[x] + 1], d[3 * x + 2] = s[sx[x] + 2];
    built = sy;
  }
}

namespace {

// Solves the 2x3 affine map taking src[i] to dst[i] (cv2.getAffineTransform), by Cramer's rule.
void affine_from_points(const double src[3][2], const double dst[3][2], double m[2][3]) {
  auto det3 = [](double a[3][3]) {
    return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
           a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  };
  double A[3][3];
  for (int i = 0; i < 3; i++) A[i][0] = src[i][0], A[i][1] = src[i][1], A[i][2] = 1;
  const double d = det3(A);
  for (int r = 0; r < 2; r++)
    for (int col = 0; col < 3; col++) {
      double B[3][3];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) B[i][j] = j == col ? dst[i][r] : A[i][j];
      m[r][col] = det3(B) / d;
    }
}

// Bilinear resampling of interleaved 3-channel x at per-pixel (row, col) positions; taps outside the image follow
// the border rule. Positions -> indices and weights, then a gather pass, both loops the compiler vectorises.
LK_IMAGE_HOT void resample3(const FImage& x, const float* rows, const float* cols, int n, Border b, float* out) {
  std::vector<int> ra(n), rb(n), ca(n), cb(n);
  std::vector<float> tr(n), tc(n);
  for (int i = 0; i < n; i++) {
    const float fr = std::floor(rows[i]), fc = std::floor(cols[i]);
    tr[i] = rows[i] - fr, tc[i] = cols[i] - fc;
    ra[i] = int(fr), ca[i] = int(fc);
  }
  for (int i = 0; i < n; i++) {
    const int r0 = ra[i], c0 = ca[i];
    rb[i] = r0 + 1, cb[i] = c0 + 1;
    if (r0 < 0 || r0 + 1 >= x.h) ra[i] = border_index(r0, x.h, b), rb[i] = border_index(r0 + 1, x.h, b);
    if (c0 < 0 || c0 + 1 >= x.w) ca[i] = border_index(c0, x.w, b), cb[i] = border_index(c0 + 1, x.w, b);
  }
  const float* v = x.v.data();
  for (int i = 0; i < n; i++) {
    const int pa = (ra[i] * x.w + ca[i]) * 3, pb = (ra[i] * x.w + cb[i]) * 3;
    const int qa = (rb[i] * x.w + ca[i]) * 3, qb = (rb[i] * x.w + cb[i]) * 3;
    for (int k = 0; k < 3; k++) {
      const float top = v[pa + k] + tc[i] * (v[pb + k] - v[pa + k]), bot = v[qa + k] + tc[i] * (v[qb + k] - v[qa + k]);
      out[3 * i + k] = top + tr[i] * (bot - top);
    }
  }
}

}  // namespace

LK_IMAGE_HOT void corrupt_elastic_transform(const Inputs& in, uint8_t* dst) {
  const double alpha = in.params[0], sigma = in.params[1], beta = in.params[2];
  const int H = in.src.h, W = in.src.w;
  FImage x = to_unit(in.src);
  // Random affine: three control points around the centre, each coordinate jittered by U(-beta, beta).
  const double c0 = H / 2, c1 = W / 2, s = std::min(H, W) / 3;
  const double p1[3][2] = {{c0 + s, c1 + s}, {c0 + s, c1 - s}, {c0 - s, c1 - s}};
  double p2[3][2], inv[2][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++) p2[i][j] = p1[i][j] + in.rng.uniform(-beta, beta);
  affine_from_points(p2, p1, inv);  // warpAffine samples the source at the inverse map of each output pixel
  const int n = H * W;
  std::vector<float> rows(n), cols(n);
  for (int y = 0; y < H; y++)
    for (int xx = 0; xx < W; xx++) {
      cols[y * W + xx] = float(inv[0][0] * xx + inv[0][1] * y + inv[0][2]);
      rows[y * W + xx] = float(inv[1][0] * xx + inv[1][1] * y + inv[1][2]);
    }
  FImage warped(H, W, 3);
  resample3(x, rows.data(), cols.data(), n, Border::reflect101, warped.v.data());
  // Smooth random displacement fields, both in one pass as the two channels of one image (0 = dx, 1 = dy; each
  // draw gives one value of each), then resample at (row + dy, col + dx).
  FImage d(H, W, 2);
  for (int i = 0; i < n; i++) {
    const uint64_t r = in.rng.next();
    d.v[2 * i] = float(int32_t(uint32_t(r))) * 0x1.0p-31f, d.v[2 * i + 1] = float(int32_t(uint32_t(r >> 32))) * 0x1.0p-31f;
  }
  d = gaussian(d, sigma, Border::reflect, 3.0);
  const float a = float(alpha);
  for (int y = 0; y < H; y++)
    for (int xx = 0; xx < W; xx++) {
      const int i = y * W + xx;
      rows[i] = float(y) + d.v[2 * i + 1] * a;
      cols[i] = float(xx) + d.v[2 * i] * a;
    }
  FImage out(H, W, 3);
  resample3(warped, rows.data(), cols.data(), n, Border::reflect, out.v.data());
  unit_to_u8(out, dst);
}

}  // namespace lk::image
