// ReLU and GELU (exact erf and tanh forms) on CUDA, with their backwards: elementwise, grid-stride.
// GELU exact: y = x Phi(x), dy/dx = Phi(x) + x phi(x). GELU tanh: y = x s, s = sigmoid(2u),
// u = sqrt(2/pi) (x + 0.044715 x^3), dy/dx = s + x s (1 - s) 2 u' (the sigmoid form, as on the CPU).
#include "common.cuh"

namespace lk::cuda {
namespace {

enum class Act { relu, gelu_erf, gelu_tanh };

constexpr float kGeluK0 = 0.79788456080286536f;  // sqrt(2/pi)
constexpr float kGeluK1 = 0.044715f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

template <Act A>
__device__ float act_forward(float v) {
  if (A == Act::relu) return v > 0.f ? v : 0.f;
  if (A == Act::gelu_erf) return v * normcdff(v);  // normcdff: accurate in the negative tail (no 1 + erf cancellation)
  const float u = kGeluK0 * (v + kGeluK1 * v * v * v);
  return v / (1.f + expf(-2.f * u));
}

template <Act A>
__device__ float act_derivative(float v) {
  if (A == Act::relu) return v > 0.f ? 1.f : 0.f;
  if (A == Act::gelu_erf) return normcdff(v) + v * kInvSqrt2Pi * expf(-0.5f * v * v);
  const float u = kGeluK0 * (v + kGeluK1 * v * v * v);
  const float du = kGeluK0 * (1.f + 3.f * kGeluK1 * v * v);
  const float s = 1.f / (1.f + expf(-2.f * u));
  return s + v * s * (1.f - s) * 2.f * du;
}

// dy == nullptr: y = f(x); else y = dy * f'(x). (ReLU's backward passes dy itself, not dy * 1, as the CPU.)
template <Act A>
__global__ void act_kernel(const float* __restrict__ x, const float* __restrict__ dy, float* __restrict__ y,
                           long long n) {
  long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; i < n; i += stride) {
    if (!dy)
      y[i] = act_forward<A>(x[i]);
    else if (A == Act::relu)
      y[i] = x[i] > 0.f ? dy[i] : 0.f;
    else
      y[i] = dy[i] * act_derivative<A>(x[i]);
  }
}

template <Act A>
Tensor run(const Tensor& x, const Tensor* dy) {
  DeviceScope scope(x.device().index);
  Tensor y = Tensor::empty(x.shape(), x.device());
  const long long n = x.numel();
  if (n == 0) return y;
  act_kernel<A><<<grid_for(n), kThreads, 0, current_stream()>>>(x.data(), dy ? dy->data() : nullptr, y.data(), n);
  check_launch();
  return y;
}

Tensor relu(const Tensor& x) { return run<Act::relu>(x, nullptr); }
Tensor relu_backward(const Tensor& dy, const Tensor& x) { return run<Act::relu>(x, &dy); }
Tensor gelu(const Tensor& x, GeluApprox approx) {
  return approx == GeluApprox::tanh ? run<Act::gelu_tanh>(x, nullptr) : run<Act::gelu_erf>(x, nullptr);
}
Tensor gelu_backward(const Tensor& dy, const Tensor& x, GeluApprox approx) {
  return approx == GeluApprox::tanh ? run<Act::gelu_tanh>(x, &dy) : run<Act::gelu_erf>(x, &dy);
}

}  // namespace

void fill_activation(Backend& b) {
  b.relu = relu;
  b.relu_backward = relu_backward;
  b.gelu = gelu;
  b.gelu_backward = gelu_backward;
}

}  // namespace lk::cuda
