// The CPU backend's table is filled by one function per op family, each in that family's file
// (native/cpu/<family>.cpp). An entry left NULL makes the op throw "not implemented on cpu".
#pragma once
#include "../core/backend.h"

namespace lk::cpu {

void fill_conv(Backend& b);         // conv.cpp: conv2d (+ both backwards), weight_standardize
void fill_matmul(Backend& b);       // matmul.cpp: linear, matmul
void fill_norm(Backend& b);         // norm.cpp: batch/layer/group norm, pixel_normalize
void fill_activation(Backend& b);   // activation.cpp: relu, gelu, softmax
void fill_elementwise(Backend& b);  // elementwise.cpp: add, mul, scale, permute
void fill_pool(Backend& b);         // pool.cpp: avg/max/global pool, pad2d
void fill_attention(Backend& b);    // attention.cpp
void fill_loss(Backend& b);         // loss.cpp: cross_entropy

// One (batched) GEMM through oneDNN (matmul.cpp), shared by the families built on it (attention):
// C (B, M, N) = op(X) @ op(Y) [+ bias (N)]; X stored (B, M, K), or (B, K, M) when tx; Y stored (B, K, N), or
// (B, N, K) when ty; C plain. Transposes are strides, not copies.
void gemm(const float* x, bool tx, const float* y, bool ty, const float* bias, float* c, int64_t batch, int64_t m,
          int64_t n, int64_t k);

}  // namespace lk::cpu
