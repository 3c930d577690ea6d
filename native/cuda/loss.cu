// Cross-entropy on CUDA: logits (N, K), one block per sample: max, sum of exp in double, then the loss
// logsumexp - x[label] or the gradient (softmax - onehot) * dloss. Labels are host integers (the op's
// contract), copied to the device once per call.
#include "common.cuh"

namespace lk::cuda {
namespace {

// dloss null: loss[n]; else grad (N, K).
__global__ void cross_entropy_kernel(const float* __restrict__ logits, const int* __restrict__ labels,
                                     const float* __restrict__ dloss, float* __restrict__ out, int K) {
  __shared__ float redf[32];
  __shared__ double red[32];
  const long long n = blockIdx.x;
  const float* x = logits + n * K;
  float m = -INFINITY;
  for (int k = threadIdx.x; k < K; k += blockDim.x) m = fmaxf(m, x[k]);
  m = block_max(m, redf);
  double s = 0;
  for (int k = threadIdx.x; k < K; k += blockDim.x) s += exp(static_cast<double>(x[k] - m));
  const double lse = m + log(block_sum(s, red));
  const int label = labels[n];
  if (!dloss) {
    if (threadIdx.x == 0) out[n] = static_cast<float>(lse - x[label]);
    return;
  }
  const double g = dloss[n];
  for (int k = threadIdx.x; k < K; k += blockDim.x)
    out[n * K + k] = static_cast<float>((exp(x[k] - lse) - (k == label)) * g);
}

Tensor run(const Tensor& logits, const std::vector<int>& labels, const Tensor* dloss) {
  DeviceScope scope(logits.device().index);
  const int64_t N = logits.dim(0), K = logits.dim(1);
  Tensor out = dloss ? Tensor::empty(logits.shape(), logits.device()) : Tensor::empty({N}, logits.device());
  if (N == 0 || K == 0) return out;
  Scratch<int> dev_labels(static_cast<size_t>(N), logits.device().index);
  // From pageable memory: returns once `labels` has been staged, so the vector may go away after.
  LK_CUDA_CHECK(cudaMemcpyAsync(dev_labels.ptr, labels.data(), N * sizeof(int), cudaMemcpyHostToDevice,
                                current_stream()));
  cross_entropy_kernel<<<static_cast<unsigned>(N), kThreads, 0, current_stream()>>>(
      logits.data(), dev_labels.ptr, dloss ? dloss->data() : nullptr, out.data(), static_cast<int>(K));
  check_launch();
  return out;
}

Tensor cross_entropy(const Tensor& logits, const std::vector<int>& labels) { return run(logits, labels, nullptr); }
Tensor cross_entropy_backward(const Tensor& dloss, const Tensor& logits, const std::vector<int>& labels) {
  return run(logits, labels, &dloss);
}

}  // namespace

void fill_loss(Backend& b) {
  b.cross_entropy = cross_entropy;
  b.cross_entropy_backward = cross_entropy_backward;
}

}  // namespace lk::cuda
