// Tensor: f32, contiguous, shared storage, a device tag. Activations are NHWC everywhere.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace lk {

using Shape = std::vector<int64_t>;

enum class DeviceType { cpu, cuda };

struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;
  bool is_cpu() const { return type == DeviceType::cpu; }
  bool is_cuda() const { return type == DeviceType::cuda; }
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const;
  static Device parse(const std::string& s);  // "cpu", "cuda", "cuda:1"
};
inline Device cpu_device() { return Device{}; }

// A block of memory on one device. `release` frees it (host free, caching allocator, or a JS reference).
struct Storage {
  void* data = nullptr;
  size_t bytes = 0;
  Device device;
  std::function<void(void*)> release;
  // Set by whoever made it: the contents never change again (weights a model derived in prepare()), so
  // backends may keep transformed copies (oneDNN's blocked weight layouts) here; they die with the storage.
  bool frozen = false;
  std::mutex derived_mu;
  std::vector<std::pair<std::string, std::shared_ptr<void>>> derived;
  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() { if (release) release(data); }
};

std::string shape_str(const Shape& s);
int64_t shape_numel(const Shape& s);

class Tensor {
 public:
  Tensor() = default;
  // Uninitialised / zero-filled tensors owned by the engine.
  static Tensor empty(const Shape& shape, Device device = cpu_device());
  static Tensor zeros(const Shape& shape, Device device = cpu_device());
  // Zero-copy view of memory owned elsewhere; `release` runs when the last Tensor sharing it dies.
  static Tensor wrap(float* data, const Shape& shape, std::function<void(void*)> release, Device device = cpu_device());
  static Tensor from_vector(const std::vector<float>& v, const Shape& shape);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const;  // negative counts from the end
  int64_t numel() const { return shape_numel(shape_); }
  Device device() const;
  float* data() const { return data_; }
  size_t bytes() const { return static_cast<size_t>(numel()) * sizeof(float); }
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  // Marks the storage read-only from now on (Storage::frozen); returns *this.
  const Tensor& freeze() const {
    if (storage_) storage_->frozen = true;
    return *this;
  }
  bool frozen() const { return storage_ && storage_->frozen; }

  Tensor reshape(const Shape& shape) const;  // shares storage; one dim may be -1
  Tensor to(Device device) const;            // copy (or self when already there)
  Tensor clone() const;
  void fill(float v);                        // cpu or cuda
  std::vector<float> to_vector() const;      // host copy

 private:
  std::shared_ptr<Storage> storage_;
  float* data_ = nullptr;
  Shape shape_;
};

// Thrown for bad arguments (shapes, devices, attribute values); the message says expected vs received.
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Thrown when a backend lacks an op: "op <name> is not implemented on <device>".
struct NotImplemented : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace lk
