#include "image/batch.h"

#include <exception>
#include <mutex>

#include <malloc.h>
#include <string>

#include "core/tensor.h"
#include "image/jpeg_codec.h"

namespace lk::image {

namespace {
// Every corruption allocates a few image-sized buffers (0.2-2 MB). glibc would hand each back to the kernel
// (mmap/munmap or heap trimming) and fault its pages in again on the next image, which cost more than the
// corruption itself; keep such buffers in the heap instead (a process-wide, one-time malloc setting).
void keep_buffers_in_heap() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
  });
}
}  // namespace

void corrupt_batch(const BatchSpec& spec, std::vector<BatchImage>& images) {
  keep_buffers_in_heap();
  if (spec.corruption < 0 || spec.corruption >= CORRUPTION_COUNT) throw lk::ArgError("corrupt: unknown corruption");
  const std::string name = corruption_names[spec.corruption];
  if (spec.severity < 1 || spec.severity > 5)
    throw lk::ArgError("corrupt: severity must be 1..5, received " + std::to_string(spec.severity));
  const int want = corruption_param_count[spec.corruption];
  if ((want >= 0 && int(spec.params.size()) != want) || spec.params.empty())
    throw lk::ArgError("corrupt: " + name + " takes " + (want >= 0 ? std::to_string(want) : "one or more") +
                       " parameter(s) per severity, received " + std::to_string(spec.params.size()));
  if (spec.corruption == frost && (!spec.frost || spec.frost->rgb.empty()))
    throw lk::ArgError("corrupt: frost needs texture images");
  for (const auto& im : images)
    if (im.src.h < 8 || im.src.w < 8 || !im.src.data || !im.dst)
      throw lk::ArgError("corrupt: images must be at least 8x8 RGB, received " + std::to_string(im.src.w) + "x" +
                         std::to_string(im.src.h));
  if (spec.corruption == frost)
    for (const auto& im : images)
      for (size_t t = 0; t < spec.frost->rgb.size(); t++)
        if (spec.frost->h[t] < im.src.h || spec.frost->w[t] < im.src.w)
          throw lk::ArgError("corrupt: frost texture " + std::to_string(t) + " (" + std::to_string(spec.frost->w[t]) +
                             "x" + std::to_string(spec.frost->h[t]) + ") is smaller than an image (" +
                             std::to_string(im.src.w) + "x" + std::to_string(im.src.h) + ")");
  const CorruptFn fn = corruption_fns[spec.corruption];
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1)
  for (long i = 0; i < long(images.size()); i++) {
    try {
      BatchImage& im = images[i];
      Rng rng(spec.seed, uint64_t(spec.corruption), uint64_t(spec.severity), im.key);
      fn(Inputs{im.src, spec.params, rng, spec.frost}, im.dst);
      if (spec.jpeg_quality > 0) im.jpeg = jpeg_encode(im.dst, im.src.h, im.src.w, spec.jpeg_quality, true);
    } catch (...) {
#pragma omp critical
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace lk::image
