// Procedural frost: our substitute for the generator's six frost photographs (which lkrobust does not ship).
// Ice is drawn as a dim fractal haze plus branching crystal needles, slightly blurred and tinted blue-white,
// so that frost keeps its character (bright, high-frequency, partly covering) without anyone's photographs.
#include <algorithm>
#include <cmath>

#include "image/corruptions.h"
#include "image/filters.h"

namespace lk::image {

namespace {

void draw_needle(FImage& ice, Rng& rng, double y, double x, double angle, double length, float bright, int depth) {
  const int steps = int(length);
  for (int i = 0; i < steps; i++) {
    angle += rng.uniform(-0.12, 0.12);
    y += std::sin(angle), x += std::cos(angle);
    const int yi = int(y), xi = int(x);
    if (yi < 0 || yi >= ice.h || xi < 0 || xi >= ice.w) return;
    float& v = ice.at(yi, xi);
    v = std::min(1.f, v + bright);
    if (depth < 3 && rng.uniform() < 0.06) {  // side branches at about +-60 degrees, shorter and dimmer
      const double side = rng.uniform() < 0.5 ? -1.05 : 1.05;
      draw_needle(ice, rng, y, x, angle + side, length * rng.uniform(0.2, 0.5), bright * 0.8f, depth + 1);
    }
  }
}

}  // namespace

FrostBank procedural_frost(uint64_t seed, int count, int h, int w) {
  FrostBank bank;
  for (int t = 0; t < count; t++) {
    Rng rng(seed, 0x66726f7374ULL, 0, uint64_t(t));
    FImage ice(h, w, 1);
    // Haze: a few octaves of smooth value noise.
    for (int octave = 0; octave < 4; octave++) {
      const int cell = std::max(4, 64 >> octave), gh = h / cell + 2, gw = w / cell + 2;
      std::vector<float> grid(size_t(gh) * gw);
      for (float& g : grid) g = float(rng.uniform());
      const float amp = 0.22f / float(1 << octave);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
          const float fy = float(y) / cell, fx = float(x) / cell;
          const int iy = int(fy), ix = int(fx);
          const float ty = fy - iy, tx = fx - ix;
          const float a = grid[size_t(iy) * gw + ix], b = grid[size_t(iy) * gw + ix + 1];
          const float c = grid[size_t(iy + 1) * gw + ix], d = grid[size_t(iy + 1) * gw + ix + 1];
          ice.at(y, x) += amp * ((a + tx * (b - a)) * (1 - ty) + (c + tx * (d - c)) * ty);
        }
    }
    // Crystals: needles from random seeds, denser towards the borders as on a cold window pane.
    const int needles = h * w / 220;
    for (int i = 0; i < needles; i++) {
      const double y = rng.uniform(0, h), x = rng.uniform(0, w);
      const double edge = std::min({y, x, h - y, w - x}) / (0.5 * std::min(h, w));
      if (rng.uniform() < edge * 0.6) continue;
      draw_needle(ice, rng, y, x, rng.uniform(0, 2 * M_PI), rng.uniform(8, 40), float(rng.uniform(0.25, 0.55)), 0);
    }
    ice = gaussian(ice, 0.6);
    std::vector<uint8_t> rgb(size_t(h) * w * 3);
    const float tint[3] = {0.86f, 0.93f, 1.0f};
    for (size_t i = 0; i < size_t(h) * w; i++)
      for (int c = 0; c < 3; c++) rgb[3 * i + c] = uint8_t(std::clamp(ice.v[i] * tint[c], 0.f, 1.f) * 255.f);
    bank.rgb.push_back(std::move(rgb));
    bank.h.push_back(h);
    bank.w.push_back(w);
  }
  return bank;
}

}  // namespace lk::image
