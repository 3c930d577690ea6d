// Weather family: snow, frost, fog, and the extra spatter (water drops or mud); brightness is in hsv.cpp.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "image/corruptions.h"
#include "image/edges.h"
#include "image/filters.h"

namespace lk::image {

namespace {

// Diamond-square plasma on an n x n torus (n a power of two), normalised to [0, 1]; the generator's
// plasma_fractal with its wibble (noise amplitude 100, divided by `decay` per level).
LK_IMAGE_HOT std::vector<float> plasma_fractal(int n, double decay, Rng& rng) {
  std::vector<float> m(size_t(n) * n, 0.f);
  auto at = [&](int y, int x) -> float& { return m[size_t(y) * n + x]; };
  double wibble = 100;
  auto wibbled_mean = [&](double sum) { return float(sum / 4 + wibble * rng.uniform(-wibble, wibble)); };
  for (int step = n; step >= 2; step /= 2) {
    const int half = step / 2, g = n / step;
    for (int i = 0; i < g; i++)
      for (int j = 0; j < g; j++) {
        const int i1 = (i + 1) % g, j1 = (j + 1) % g;
        double s = (double(at(i * step, j * step)) + at(i1 * step, j * step)) +
                   (double(at(i * step, j1 * step)) + at(i1 * step, j1 * step));
        at(i * step + half, j * step + half) = wibbled_mean(s);
      }
    auto dr = [&](int i, int j) { return double(at(((i + g) % g) * step + half, ((j + g) % g) * step + half)); };
    auto ul = [&](int i, int j) { return double(at((i % g) * step, (j % g) * step)); };
    for (int i = 0; i < g; i++)
      for (int j = 0; j < g; j++) at(i * step, j * step + half) = wibbled_mean((dr(i, j) + dr(i - 1, j)) + (ul(i, j) + ul(i, j + 1)));
    for (int i = 0; i < g; i++)
      for (int j = 0; j < g; j++) at(i * step + half, j * step) = wibbled_mean((dr(i, j) + dr(i, j - 1)) + (ul(i, j) + ul(i + 1, j)));
    wibble /= decay;
  }
  const float lo = *std::min_element(m.begin(), m.end());
  for (float& v : m) v -= lo;
  const float hi = *std::max_element(m.begin(), m.end());
  for (float& v : m) v = hi > 0 ? v / hi : 0.f;
  return m;
}

int next_pow2(int v) {
  int p = 1;
  while (p < v) p *= 2;
  return p;
}

}  // namespace

LK_IMAGE_HOT void corrupt_fog(const Inputs& in, uint8_t* dst) {
  const double k = in.params[0], decay = in.params[1];
  const int H = in.src.h, W = in.src.w, n = next_pow2(std::max(H, W));
  const double mx = *std::max_element(in.src.data, in.src.data + size_t(H) * W * 3) / 255.0;
  auto p = plasma_fractal(n, decay, in.rng);  // top-left H x W used
  const double scale = mx / (mx + k);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      for (int c = 0; c < 3; c++) {
        const size_t i = (size_t(y) * W + x) * 3 + c;
        dst[i] = uint8_t(std::clamp((in.src.data[i] / 255.0 + k * p[size_t(y) * n + x]) * scale, 0.0, 1.0) * 255.0);
      }
}

LK_IMAGE_HOT void snow_overlay(const FImage& x, const FImage& blurred_layer, float b, uint8_t* dst) {
  const int H = x.h, W = x.w;
  std::vector<float> l(blurred_layer.v.size());  // the layer is saved as uint8 on its way
  for (size_t i = 0; i < l.size(); i++) l[i] = std::nearbyint(std::clamp(blurred_layer.v[i], 0.f, 1.f) * 255.f) / 255.f;
  for (int y = 0; y < H; y++)
    for (int xx = 0; xx < W; xx++) {
      const size_t i = (size_t(y) * W + xx) * 3;
      const float r = x.v[i], g = x.v[i + 1], bl = x.v[i + 2];
      const float bright = (0.299f * r + 0.587f * g + 0.114f * bl) * 1.5f + 0.5f;
      const float snow = l[size_t(y) * W + xx] + l[size_t(H - 1 - y) * W + (W - 1 - xx)];
      const float rgb[3] = {r, g, bl};
      for (int c = 0; c < 3; c++) {
        const float base = b * rgb[c] + (1 - b) * std::max(rgb[c], bright);
        dst[i + c] = uint8_t(std::clamp(base + snow, 0.f, 1.f) * 255.f);
      }
    }
}

LK_IMAGE_HOT void corrupt_snow(const Inputs& in, uint8_t* dst) {
  const auto& p = in.params;  // mean, std, zoom, threshold, blur radius, blur sigma, blend
  const int H = in.src.h, W = in.src.w;
  FImage layer(H, W, 1);
  in.rng.fill_normal(layer.v.data(), layer.v.size());
  for (float& v : layer.v) v = float(p[0] + p[1] * v);
  layer = clipped_zoom(layer, p[2]);
  for (float& v : layer.v) v = v < p[3] ? 0.f : std::min(v, 1.f);
  snow_overlay(to_unit(in.src), motion_blur(layer, int(p[4]), p[5], in.rng.uniform(-135, -45)), float(p[6]), dst);
}

LK_IMAGE_HOT void corrupt_frost(const Inputs& in, uint8_t* dst) {
  if (!in.frost || in.frost->rgb.empty()) throw std::runtime_error("frost: no texture images were given");
  const double a = in.params[0], b = in.params[1];
  const int H = in.src.h, W = in.src.w;
  const int idx = in.rng.randint(0, int(in.frost->rgb.size()));
  const int th = in.frost->h[idx], tw = in.frost->w[idx];
  if (th < H || tw < W) throw std::runtime_error("frost: a texture is smaller than the image");
  const int top = in.rng.randint(0, std::max(1, th - H)), left = in.rng.randint(0, std::max(1, tw - W));
  const uint8_t* t = in.frost->rgb[idx].data();
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W * 3; x++) {
      const size_t i = size_t(y) * W * 3 + x;
      const double v = a * in.src.data[i] + b * t[size_t(top + y) * tw * 3 + left * 3 + x];
      dst[i] = uint8_t(std::clamp(v, 0.0, 255.0));
    }
}

LK_IMAGE_HOT void water_overlay(const FImage& x, const FImage& liquid, double k, uint8_t* dst) {
  const int H = x.h, W = x.w;
  const size_t n = size_t(H) * W;
  std::vector<uint8_t> l8(n);
  for (size_t i = 0; i < n; i++) l8[i] = uint8_t(std::clamp(liquid.v[i] * 255.f, 0.f, 255.f));
  auto edges = canny(l8, H, W, 50, 150);
  for (auto& e : edges) e = uint8_t(255 - e);
  auto dist = distance_transform_5x5(edges, H, W);
  FImage d(H, W, 1);
  for (size_t i = 0; i < n; i++) d.v[i] = std::min(dist[i], 20.f);
  d = box3(d);
  std::vector<uint8_t> d8(n);
  for (size_t i = 0; i < n; i++) d8[i] = uint8_t(d.v[i]);
  d8 = equalize_hist(d8);
  const int ker[9] = {-2, -1, 0, -1, 1, 1, 0, 1, 2};
  d8 = filter3x3_u8(d8, H, W, ker);
  for (size_t i = 0; i < n; i++) d.v[i] = d8[i];
  d = box3(d);
  std::vector<float> m(n);
  float mmax = 0;
  for (size_t i = 0; i < n; i++) mmax = std::max(mmax, m[i] = l8[i] * std::nearbyint(d.v[i]));
  const float colour[3] = {175 / 255.f, 238 / 255.f, 238 / 255.f};
  for (size_t i = 0; i < n; i++) {
    const float mi = mmax > 0 ? m[i] / mmax * float(k) : 0.f;
    for (int c = 0; c < 3; c++) dst[3 * i + c] = uint8_t(std::clamp(x.v[3 * i + c] + mi * colour[c], 0.f, 1.f) * 255.f);
  }
}

LK_IMAGE_HOT void corrupt_spatter(const Inputs& in, uint8_t* dst) {
  const auto& p = in.params;  // mean, std, sigma, threshold, k, mud
  const int H = in.src.h, W = in.src.w;
  FImage liquid(H, W, 1);
  in.rng.fill_normal(liquid.v.data(), liquid.v.size());
  for (float& v : liquid.v) v = float(p[0] + p[1] * v);
  liquid = gaussian(liquid, p[2]);
  for (float& v : liquid.v)
    if (v < p[3]) v = 0.f;
  const size_t n = size_t(H) * W;
  if (p[5] == 0) {  // water: bright pale-turquoise rims around the drops
    water_overlay(to_unit(in.src), liquid, p[4], dst);
  } else {  // mud: brown where the smoothed drop mask is dense
    FImage mask(H, W, 1);
    for (size_t i = 0; i < n; i++) mask.v[i] = liquid.v[i] > p[3] ? 1.f : 0.f;
    mask = gaussian(mask, p[4]);
    const double colour[3] = {63 / 255.0, 42 / 255.0, 20 / 255.0};
    for (size_t i = 0; i < n; i++) {
      const double mi = mask.v[i] < 0.8f ? 0.0 : mask.v[i];
      for (int c = 0; c < 3; c++)
        dst[3 * i + c] = uint8_t(std::clamp(in.src.data[3 * i + c] / 255.0 * (1 - mi) + mi * colour[c], 0.0, 1.0) * 255.0);
    }
  }
}

}  // namespace lk::image
