#include "tensor.h"

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "backend.h"
#include "host_allocator.h"

namespace lk {

std::string Device::str() const {
  if (is_cpu()) return "cpu";
  return "cuda:" + std::to_string(index);
}

Device Device::parse(const std::string& s) {
  if (s == "cpu") return Device{};
  if (s == "cuda") return Device{DeviceType::cuda, 0};
  if (s.rfind("cuda:", 0) == 0) {
    char* end = nullptr;
    long idx = std::strtol(s.c_str() + 5, &end, 10);
    if (end && *end == '\0' && end != s.c_str() + 5 && idx >= 0) return Device{DeviceType::cuda, static_cast<int>(idx)};
  }
  throw ArgError("device: expected \"cpu\", \"cuda\" or \"cuda:N\", received \"" + s + "\"");
}

std::string shape_str(const Shape& s) {
  std::ostringstream o;
  o << "(";
  for (size_t i = 0; i < s.size(); i++) o << (i ? ", " : "") << s[i];
  if (s.size() == 1) o << ",";
  o << ")";
  return o.str();
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

static void check_shape(const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) throw ArgError("tensor shape: expected non-negative dimensions, received " + shape_str(shape));
}

Tensor Tensor::empty(const Shape& shape, Device device) {
  check_shape(shape);
  Tensor t;
  auto st = std::make_shared<Storage>();
  st->bytes = static_cast<size_t>(shape_numel(shape)) * sizeof(float);
  st->device = device;
  if (device.is_cpu()) {
    // 64-byte alignment (full AVX-512 lines for the kernels), from the caching host allocator.
    const size_t n = st->bytes;
    st->data = n ? host_alloc(n) : nullptr;
    st->release = [n](void* p) { host_free(p, n); };
  } else {
    const Backend& b = backend_for(device);
    int idx = device.index;
    st->data = b.alloc(st->bytes, idx);
    st->release = [free_fn = b.free, idx](void* p) { free_fn(p, idx); };
  }
  t.data_ = static_cast<float*>(st->data);
  t.storage_ = std::move(st);
  t.shape_ = shape;
  return t;
}

Tensor Tensor::zeros(const Shape& shape, Device device) {
  Tensor t = empty(shape, device);
  t.fill(0.f);
  return t;
}

Tensor Tensor::wrap(float* data, const Shape& shape, std::function<void(void*)> release, Device device) {
  check_shape(shape);
  Tensor t;
  auto st = std::make_shared<Storage>();
  st->data = data;
  st->bytes = static_cast<size_t>(shape_numel(shape)) * sizeof(float);
  st->device = device;
  st->release = std::move(release);
  t.data_ = data;
  t.storage_ = std::move(st);
  t.shape_ = shape;
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& v, const Shape& shape) {
  if (static_cast<int64_t>(v.size()) != shape_numel(shape))
    throw ArgError("from_vector: " + std::to_string(v.size()) + " values do not fill shape " + shape_str(shape));
  Tensor t = empty(shape);
  if (!v.empty()) std::memcpy(t.data(), v.data(), v.size() * sizeof(float));
  return t;
}

int64_t Tensor::dim(int i) const {
  int n = ndim();
  int j = i < 0 ? i + n : i;
  if (j < 0 || j >= n)
    throw ArgError("dim " + std::to_string(i) + " out of range for shape " + shape_str(shape_));
  return shape_[j];
}

Device Tensor::device() const { return storage_ ? storage_->device : Device{}; }

Tensor Tensor::reshape(const Shape& shape) const {
  Shape s = shape;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == -1) {
      if (infer >= 0) throw ArgError("reshape: only one dimension may be -1, received " + shape_str(shape));
      infer = static_cast<int>(i);
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0 && known > 0) s[infer] = numel() / known;
  if (shape_numel(s) != numel())
    throw ArgError("reshape: cannot view " + shape_str(shape_) + " as " + shape_str(shape));
  Tensor t = *this;
  t.shape_ = s;
  return t;
}

Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  Tensor t = empty(shape_, device);
  size_t n = bytes();
  if (n == 0) return t;
  if (this->device().is_cpu() && device.is_cuda()) {
    backend_for(device).copy_from_host(t.data(), data_, n, device.index);
  } else if (this->device().is_cuda() && device.is_cpu()) {
    backend_for(this->device()).copy_to_host(t.data(), data_, n, this->device().index);
  } else {
    // cuda:i -> cuda:j through the host: rare, and correct.
    return to(cpu_device()).to(device);
  }
  return t;
}

Tensor Tensor::clone() const {
  if (device().is_cpu()) {
    Tensor t = empty(shape_);
    if (bytes()) std::memcpy(t.data(), data_, bytes());
    return t;
  }
  return to(cpu_device()).to(device());
}

void Tensor::fill(float v) {
  if (!defined()) return;
  if (device().is_cpu()) {
    int64_t n = numel();
    for (int64_t i = 0; i < n; i++) data_[i] = v;
    return;
  }
  if (v == 0.f) {
    backend_for(device()).memset_zero(data_, bytes(), device().index);
    return;
  }
  std::vector<float> host(static_cast<size_t>(numel()), v);
  backend_for(device()).copy_from_host(data_, host.data(), bytes(), device().index);
}

std::vector<float> Tensor::to_vector() const {
  Tensor h = to(cpu_device());
  return std::vector<float>(h.data(), h.data() + h.numel());
}

}  // namespace lk
