// Scalar path of the depthwise kernels (dwconv.h), also lab version 1: plain loops with the kernel window
// clipped to the map (padding taps skipped), channels innermost so the compiler may vectorise them.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "dwconv_impl.h"

namespace lk::cpu::dw::scalar {

namespace {
int ceil_div(int a, int b) {  // b > 0
  const int q = a / b;
  return (a % b != 0 && a > 0) ? q + 1 : q;
}
}  // namespace

// y[n, o, j, c] = bias[c] + sum_{k, l} x[n, o*sh + k - pt, j*sw + l - pl, c] * w[c, k, l]
void forward(const float* x, const float* w, const float* bias, float* y, const Geometry& g) {
  const int C = g.c;
  std::vector<float> wt((size_t)g.kh * g.kw * C);  // (KH, KW, C)
  for (int c = 0; c < C; c++)
    for (int k = 0; k < g.kh * g.kw; k++) wt[(size_t)k * C + c] = w[(size_t)c * g.kh * g.kw + k];
#pragma omp parallel for collapse(2) schedule(static)
  for (int n = 0; n < g.n; n++)
    for (int o = 0; o < g.oh; o++) {
      const int rb = o * g.stride_h - g.pad_t;
      const int k_lo = std::max(0, -rb), k_hi = std::min(g.kh, g.h - rb);
      for (int j = 0; j < g.ow; j++) {
        const int cb = j * g.stride_w - g.pad_l;
        const int l_lo = std::max(0, -cb), l_hi = std::min(g.kw, g.w - cb);
        float* Y = y + (((int64_t)n * g.oh + o) * g.ow + j) * C;
        for (int c = 0; c < C; c++) Y[c] = bias ? bias[c] : 0.f;
        for (int k = k_lo; k < k_hi; k++)
          for (int l = l_lo; l < l_hi; l++) {
            const float* X = x + (((int64_t)n * g.h + rb + k) * g.w + cb + l) * C;
            const float* Wt = wt.data() + ((size_t)k * g.kw + l) * C;
            for (int c = 0; c < C; c++) Y[c] += X[c] * Wt[c];
          }
      }
    }
}

// dx[n, i, j, c] = sum over (o, k) with o*sh + k - pt = i (columns likewise) of dy[n, o, ., c] * w[c, k, .]
void backward_data(const float* dy, const float* w, float* dx, const Geometry& g) {
  const int C = g.c;
  std::vector<float> wt((size_t)g.kh * g.kw * C);
  for (int c = 0; c < C; c++)
    for (int k = 0; k < g.kh * g.kw; k++) wt[(size_t)k * C + c] = w[(size_t)c * g.kh * g.kw + k];
#pragma omp parallel for collapse(2) schedule(static)
  for (int n = 0; n < g.n; n++)
    for (int i = 0; i < g.h; i++) {
      for (int j = 0; j < g.w; j++) {
        float* D = dx + (((int64_t)n * g.h + i) * g.w + j) * C;
        for (int c = 0; c < C; c++) D[c] = 0.f;
        for (int k = 0; k < g.kh; k++) {
          const int t = i + g.pad_t - k;
          if (t < 0 || t % g.stride_h != 0 || t / g.stride_h >= g.oh) continue;
          const int o = t / g.stride_h;
          for (int l = 0; l < g.kw; l++) {
            const int u = j + g.pad_l - l;
            if (u < 0 || u % g.stride_w != 0 || u / g.stride_w >= g.ow) continue;
            const float* G = dy + (((int64_t)n * g.oh + o) * g.ow + u / g.stride_w) * C;
            const float* Wt = wt.data() + ((size_t)k * g.kw + l) * C;
            for (int c = 0; c < C; c++) D[c] += G[c] * Wt[c];
          }
        }
      }
    }
}

// dw[c, k, l] = sum_{n, o, j} dy[n, o, j, c] * x[n, o*sh + k - pt, j*sw + l - pl, c]; one kernel row per task.
void backward_weights(const float* dy, const float* x, float* dw, float* db, const Geometry& g) {
  const int C = g.c;
#pragma omp parallel for schedule(dynamic, 1)
  for (int k = 0; k < g.kh; k++) {
    std::vector<float> acc((size_t)g.kw * C, 0.f), row((size_t)g.kw * C);
    const int o_lo = std::max(0, ceil_div(g.pad_t - k, g.stride_h));
    const int o_hi = std::min(g.oh, ceil_div(g.h + g.pad_t - k, g.stride_h));
    for (int n = 0; n < g.n; n++)
      for (int o = o_lo; o < o_hi; o++) {
        std::fill(row.begin(), row.end(), 0.f);  // one dy row's partial sums, then into acc
        const float* X = x + (((int64_t)n * g.h + o * g.stride_h + k - g.pad_t) * g.w) * C;
        for (int j = 0; j < g.ow; j++) {
          const float* G = dy + (((int64_t)n * g.oh + o) * g.ow + j) * C;
          const int cb = j * g.stride_w - g.pad_l;
          const int l_lo = std::max(0, -cb), l_hi = std::min(g.kw, g.w - cb);
          for (int l = l_lo; l < l_hi; l++) {
            const float* Xl = X + (int64_t)(cb + l) * C;
            float* R = row.data() + (size_t)l * C;
            for (int c = 0; c < C; c++) R[c] += G[c] * Xl[c];
          }
        }
        for (size_t i = 0; i < acc.size(); i++) acc[i] += row[i];
      }
    for (int c = 0; c < C; c++)
      for (int l = 0; l < g.kw; l++) dw[((int64_t)c * g.kh + k) * g.kw + l] = acc[(size_t)l * C + c];
  }
  if (db) {
    std::vector<double> s(C, 0.0);
    for (int64_t p = 0; p < (int64_t)g.n * g.oh * g.ow; p++)
      for (int c = 0; c < C; c++) s[c] += dy[p * C + c];
    for (int c = 0; c < C; c++) db[c] = (float)s[c];
  }
}

}  // namespace lk::cpu::dw::scalar
