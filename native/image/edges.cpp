#include "image/edges.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "image/filters.h"

namespace lk::image {

LK_IMAGE_HOT std::vector<uint8_t> canny(const std::vector<uint8_t>& img, int h, int w, int low, int high) {
  // Sobel on a copy padded by one replicated pixel (Canny's border), rows contiguous so the loop vectorises.
  const int pw = w + 2;
  std::vector<int> pad(size_t(h + 2) * pw);
  for (int y = 0; y < h + 2; y++)
    for (int x = 0; x < pw; x++) pad[size_t(y) * pw + x] = img[size_t(std::clamp(y - 1, 0, h - 1)) * w + std::clamp(x - 1, 0, w - 1)];
  std::vector<int> dx(size_t(h) * w), dy(size_t(h) * w), mag(size_t(h + 2) * (w + 2), 0);
  for (int y = 0; y < h; y++) {
    const int* r0 = &pad[size_t(y) * pw];
    const int *r1 = r0 + pw, *r2 = r1 + pw;
    int* gxr = &dx[size_t(y) * w];
    int* gyr = &dy[size_t(y) * w];
    int* mr = &mag[size_t(y + 1) * (w + 2) + 1];
    for (int x = 0; x < w; x++) {
      const int gx = (r0[x + 2] + 2 * r1[x + 2] + r2[x + 2]) - (r0[x] + 2 * r1[x] + r2[x]);
      const int gy = (r2[x] + 2 * r2[x + 1] + r2[x + 2]) - (r0[x] + 2 * r0[x + 1] + r0[x + 2]);
      gxr[x] = gx, gyr[x] = gy;
      mr[x] = std::abs(gx) + std::abs(gy);
    }
  }
  auto M = [&](int y, int x) { return mag[size_t(y + 1) * (w + 2) + x + 1]; };
  // 0 = weak candidate, 1 = not an edge, 2 = edge. Non-maximum suppression in OpenCV's fixed-point sectors.
  std::vector<uint8_t> state(size_t(h) * w, 1);
  std::vector<int> stack;
  const int TG22 = 13573, SHIFT = 15;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const int m = M(y, x);
      if (m <= low) continue;
      const int xs = dx[size_t(y) * w + x], ys = dy[size_t(y) * w + x];
      const long ax = std::abs(xs), ay = long(std::abs(ys)) << SHIFT, tg22x = ax * TG22;
      bool keep;
      if (ay < tg22x) keep = m > M(y, x - 1) && m >= M(y, x + 1);
      else if (ay > tg22x + (ax << (SHIFT + 1))) keep = m > M(y - 1, x) && m >= M(y + 1, x);
      else {
        const int s = (xs ^ ys) < 0 ? -1 : 1;
        keep = m > M(y - 1, x - s) && m > M(y + 1, x + s);
      }
      if (!keep) continue;
      if (m > high) {
        state[size_t(y) * w + x] = 2;
        stack.push_back(y * w + x);
      } else {
        state[size_t(y) * w + x] = 0;
      }
    }
  while (!stack.empty()) {  // hysteresis: weak pixels 8-connected to an edge become edges
    const int p = stack.back();
    stack.pop_back();
    const int y = p / w, x = p % w;
    for (int oy = -1; oy <= 1; oy++)
      for (int ox = -1; ox <= 1; ox++) {
        const int yy = y + oy, xx = x + ox;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        uint8_t& s = state[size_t(yy) * w + xx];
        if (s == 0) {
          s = 2;
          stack.push_back(yy * w + xx);
        }
      }
  }
  std::vector<uint8_t> out(size_t(h) * w);
  for (size_t i = 0; i < out.size(); i++) out[i] = state[i] == 2 ? 255 : 0;
  return out;
}

LK_IMAGE_HOT std::vector<float> distance_transform_5x5(const std::vector<uint8_t>& src, int h, int w) {
  const float a = 1.f, b = 1.4f, c = 2.1969f, far = 1e20f;
  const int B = 2, pw = w + 2 * B;  // a border of "far" cells: the image edge is not a zero pixel
  std::vector<float> d(size_t(h + 2 * B) * pw, far);
  auto D = [&](int y, int x) -> float& { return d[size_t(y + B) * pw + x + B]; };
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) D(y, x) = src[size_t(y) * w + x] ? far : 0.f;
  struct Step { int dy, dx; float cost; };
  const Step fwd[] = {{-2, -1, c}, {-2, 1, c}, {-1, -2, c}, {-1, -1, b}, {-1, 0, a}, {-1, 1, b}, {-1, 2, c}, {0, -1, a}};
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float& v = D(y, x);
      for (const Step& s : fwd) v = std::min(v, D(y + s.dy, x + s.dx) + s.cost);
    }
  for (int y = h - 1; y >= 0; y--)
    for (int x = w - 1; x >= 0; x--) {
      float& v = D(y, x);
      for (const Step& s : fwd) v = std::min(v, D(y - s.dy, x - s.dx) + s.cost);
    }
  std::vector<float> out(size_t(h) * w);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) out[size_t(y) * w + x] = D(y, x);
  return out;
}

std::vector<uint8_t> equalize_hist(const std::vector<uint8_t>& img) {
  int hist[256] = {0};
  for (uint8_t v : img) hist[v]++;
  int i = 0;
  while (!hist[i]) ++i;
  const int total = int(img.size());
  std::vector<uint8_t> out(img.size());
  if (hist[i] == total) {
    std::fill(out.begin(), out.end(), uint8_t(i));
    return out;
  }
  const float scale = 255.f / float(total - hist[i]);
  uint8_t lut[256] = {0};
  int sum = 0;
  for (lut[i++] = 0; i < 256; ++i) {
    sum += hist[i];
    lut[i] = uint8_t(std::clamp(std::nearbyint(sum * scale), 0.f, 255.f));
  }
  for (size_t k = 0; k < img.size(); k++) out[k] = lut[img[k]];
  return out;
}

LK_IMAGE_HOT std::vector<uint8_t> filter3x3_u8(const std::vector<uint8_t>& img, int h, int w, const int k[9]) {
  // Pad once with reflect-101, then a plain 3x3 integer correlation.
  const int pw = w + 2;
  std::vector<int> pad(size_t(h + 2) * pw);
  for (int y = 0; y < h + 2; y++)
    for (int x = 0; x < pw; x++)
      pad[size_t(y) * pw + x] = img[size_t(border_index(y - 1, h, Border::reflect101)) * w + border_index(x - 1, w, Border::reflect101)];
  std::vector<uint8_t> out(img.size());
  for (int y = 0; y < h; y++) {
    const int* r0 = &pad[size_t(y) * pw];
    const int *r1 = r0 + pw, *r2 = r1 + pw;
    for (int x = 0; x < w; x++) {
      const int s = k[0] * r0[x] + k[1] * r0[x + 1] + k[2] * r0[x + 2] + k[3] * r1[x] + k[4] * r1[x + 1] + k[5] * r1[x + 2] +
                    k[6] * r2[x] + k[7] * r2[x + 1] + k[8] * r2[x + 2];
      out[size_t(y) * w + x] = uint8_t(std::clamp(s, 0, 255));
    }
  }
  return out;
}

}  // namespace lk::image
