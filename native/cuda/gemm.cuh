// Our tiled SGEMM, shared by the GEMM family (gemm.cu) and the implicit-GEMM convolutions (conv.cu):
//   C(m, n) = sum_k A(m, k) B(k, n)   for every batch index z (blockIdx.z),
// where a Problem says how to read A and B (plain strided matrices, or an im2col gather computed on the
// fly) and how to store C. Tiles of 64 x 64 outputs, 16 deep in k, 256 threads with 4 x 4 outputs each
// (rows ty + 16 i, columns tx + 16 j); out-of-range loads are zeros, out-of-range stores skipped.
#pragma once
#include "common.cuh"

namespace lk::cuda {

constexpr int kGemmBM = 64, kGemmBN = 64, kGemmBK = 16;

// A Problem provides: long long M, N, K; bool a_k_fast, b_k_fast (which index is contiguous in memory, so
// the loads are coalesced); __device__ float a(m, k, z), b(k, n, z); __device__ void store(m, n, z, acc).
template <class P>
__global__ void __launch_bounds__(256) tiled_gemm_kernel(P p) {
  __shared__ float As[kGemmBK][kGemmBM + 4];
  __shared__ float Bs[kGemmBK][kGemmBN + 4];
  const int z = blockIdx.z;
  const long long m0 = static_cast<long long>(blockIdx.x) * kGemmBM, n0 = static_cast<long long>(blockIdx.y) * kGemmBN;
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  float acc[4][4] = {};
  for (long long k0 = 0; k0 < p.K; k0 += kGemmBK) {
    // 64 x 16 values per operand, 4 per thread.
#pragma unroll
    for (int l = 0; l < 4; l++) {
      const int e = threadIdx.x + l * 256;
      int mm, kk;
      if (p.a_k_fast) {
        kk = e % kGemmBK;
        mm = e / kGemmBK;
      } else {
        mm = e % kGemmBM;
        kk = e / kGemmBM;
      }
      As[kk][mm] = (m0 + mm < p.M && k0 + kk < p.K) ? p.a(m0 + mm, k0 + kk, z) : 0.f;
      int nn;
      if (p.b_k_fast) {
        kk = e % kGemmBK;
        nn = e / kGemmBK;
      } else {
        nn = e % kGemmBN;
        kk = e / kGemmBN;
      }
      Bs[kk][nn] = (n0 + nn < p.N && k0 + kk < p.K) ? p.b(k0 + kk, n0 + nn, z) : 0.f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kGemmBK; kk++) {
      float av[4], bv[4];
#pragma unroll
      for (int i = 0; i < 4; i++) av[i] = As[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; j++) bv[j] = Bs[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
    __syncthreads();  // the next tile overwrites As/Bs
  }
#pragma unroll
  for (int i = 0; i < 4; i++)
#pragma unroll
    for (int j = 0; j < 4; j++) {
      const long long m = m0 + ty + 16 * i, n = n0 + tx + 16 * j;
      if (m < p.M && n < p.N) p.store(m, n, z, acc[i][j]);
    }
}

template <class P>
void launch_tiled_gemm(const P& p, int batch) {
  if (p.M == 0 || p.N == 0 || batch == 0) return;
  if (batch > 65535) throw std::runtime_error("cuda gemm: more than 65535 batches");
  dim3 grid(ceil_div(p.M, kGemmBM), ceil_div(p.N, kGemmBN), batch);
  if (grid.y > 65535) throw std::runtime_error("cuda gemm: N too large for one launch");
  tiled_gemm_kernel<P><<<grid, 256, 0, current_stream()>>>(p);
  check_launch();
}

// C (batch, M, N) = alpha * op(X) op(Y) [+ bias (N)], X stored (M, K) or (K, M) when tx, Y stored (K, N) or
// (N, K) when ty; the same contract as the CPU gemm in native/cpu/matmul.cpp. Device pointers.
void gemm(const float* x, bool tx, const float* y, bool ty, const float* bias, float* c, int64_t batch, int64_t m,
          int64_t n, int64_t k, float alpha = 1.f);

}  // namespace lk::cuda
