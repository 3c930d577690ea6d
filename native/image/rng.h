// Counter-based random numbers: a stream is a pure function of (seed, corruption, severity, image key), so a
// corrupted image never depends on which thread made it or on what was made before it (SplitMix64 mixing).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

namespace lk::image {

inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/** FNV-1a of a file's relative path: the image's identity in the stream key. */
inline uint64_t key_of(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ULL;
  return h;
}

class Rng {
 public:
  Rng(uint64_t seed, uint64_t corruption, uint64_t severity, uint64_t image_key)
      : key_(mix64(mix64(mix64(seed ^ 0x6c6b726f62757374ULL) ^ corruption) ^ (severity << 32)) ^ mix64(image_key)) {}

  uint64_t next() { return mix64(key_ + 0x9e3779b97f4a7c15ULL * ++counter_); }
  /** Uniform in [0, 1) with 53 random bits. */
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /** Uniform integer in [lo, hi) (numpy randint's half-open range); hi > lo. */
  int randint(int lo, int hi) { return lo + int((next() >> 32) * uint64_t(hi - lo) >> 32); }
  /** n standard normals: Box-Muller in bulk (see fill_normal in rng.cpp). */
  void fill_normal(float* out, size_t n);
  /** Standard normal (Box-Muller, both values used). */
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = 1.0 - uniform(), u2 = uniform();  // u1 in (0, 1]
    double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * M_PI * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * M_PI * u2);
  }

 private:
  uint64_t key_;
  uint64_t counter_ = 0;
  bool has_spare_ = false;
  double spare_ = 0;
};

}  // namespace lk::image
