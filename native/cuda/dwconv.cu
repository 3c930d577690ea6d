// Depthwise convolution kernels (see dwconv.cuh).
//
// Tiled path (stride 1, dilation 1): a block computes an 8 x 32 tile of outputs for 8 channels of one
// image. It stages the input tile ((8 + KH - 1) x (32 + KW - 1) pixels x 8 channels) and the 8 filters in
// shared memory, then each thread computes 8 consecutive outputs of one row for one channel, sliding a
// register window (a ring of 8) along the row: per tap one shared load of input and one of the weight feed
// 8 FMAs.
// Kernel rows that fall in the padding for a thread's output row, and kernel columns outside the image for
// all 8 of its outputs, are skipped (never loaded, never multiplied); the remaining partial taps read the
// zeros staged at the tile's border. Layout in shared memory: [row][col][8 channels], row pitch odd so that
// the 4 rows a warp touches fall in distinct banks.
// Backward-data (stride 1) is the same kernel on dy with the filter flipped and padding KH-1-pt, KW-1-pl.
//
// Direct path (any stride and dilation): one thread per output (forward) or per input-gradient element
// (backward data, gathering the outputs whose windows contain it; no atomics), channels fastest.
// Backward-weights: one block per (32 channels, tap), reducing over all output positions in double.
#include "common.cuh"
#include "dwconv.cuh"

namespace lk::cuda {
namespace {

constexpr int kTileH = 8, kTileW = 32, kChan = 8, kPerThread = 8;  // 8 ch x 8 rows x 4 column groups = 256
static_assert(kChan * kTileH * (kTileW / kPerThread) == 256, "tiled dwconv: 256 threads per block");

struct TileGeom {
  int in_h, in_w, pitch;  // staged input rows, columns, column pitch (odd)
  size_t smem_bytes;
};

TileGeom tile_geom(int kh, int kw) {
  TileGeom t;
  t.in_h = kTileH + kh - 1;
  t.in_w = kTileW + kw - 1;
  t.pitch = t.in_w | 1;
  t.smem_bytes = (static_cast<size_t>(t.in_h) * t.pitch * kChan + static_cast<size_t>(kChan) * kh * kw) * sizeof(float);
  return t;
}

// in (N, IH, IW, C) -> out (N, OH, OW, C); out(oh, ow) = sum_{i,j} in(oh - pt + i, ow - pl + j) * f(i, j),
// f the filter, flipped in both axes when `flip`. Grid: (ceil(C/8), tiles_h * tiles_w, N).
__global__ void __launch_bounds__(256) dw_tiled_kernel(const float* __restrict__ in, const float* __restrict__ w,
                                                       const float* __restrict__ bias, float* __restrict__ out,
                                                       int IH, int IW, int C, int OH, int OW, int KH, int KW, int pt,
                                                       int pl, int tiles_w, int in_h, int in_w, int pitch, bool flip) {
  extern __shared__ float smem[];
  float* tile = smem;                                  // [in_h][pitch][kChan]
  float* filt = smem + static_cast<size_t>(in_h) * pitch * kChan;  // [KH*KW][kChan]
  const int c0 = blockIdx.x * kChan;
  const int oh0 = (blockIdx.y / tiles_w) * kTileH, ow0 = (blockIdx.y % tiles_w) * kTileW;
  const long long n = blockIdx.z;

  const int taps = KH * KW;
  for (int e = threadIdx.x; e < taps * kChan; e += blockDim.x) {
    const int cl = e % kChan, t = e / kChan, c = c0 + cl;
    filt[e] = c < C ? w[static_cast<long long>(c) * taps + (flip ? taps - 1 - t : t)] : 0.f;
  }
  for (int e = threadIdx.x; e < in_h * in_w * kChan; e += blockDim.x) {
    const int cl = e % kChan, px = e / kChan, xx = px % in_w, yy = px / in_w;
    const int ih = oh0 - pt + yy, iw = ow0 - pl + xx, c = c0 + cl;
    float v = 0.f;
    if (ih >= 0 && ih < IH && iw >= 0 && iw < IW && c < C) v = in[((n * IH + ih) * IW + iw) * C + c];
    tile[(yy * pitch + xx) * kChan + cl] = v;
  }
  __syncthreads();  // the only barrier: nothing below writes shared memory

  const int cl = threadIdx.x % kChan, orow = (threadIdx.x / kChan) % kTileH;
  const int ocol = (threadIdx.x / (kChan * kTileH)) * kPerThread;
  const int oh = oh0 + orow, ow = ow0 + ocol, c = c0 + cl;
  if (oh >= OH || ow >= OW || c >= C) return;
  const int i0 = max(0, pt - oh), i1 = min(KH, IH + pt - oh);
  const int j0 = max(0, pl - ow - (kPerThread - 1)), j1 = min(KW, IW + pl - ow);
  float acc[kPerThread];
  const float b0 = bias ? bias[c] : 0.f;
#pragma unroll
  for (int r = 0; r < kPerThread; r++) acc[r] = b0;
  if (j0 < j1) {
    for (int i = i0; i < i1; i++) {
      const float* row = tile + ((orow + i) * pitch + ocol) * kChan + cl;  // column ocol + j + r at [(j + r) * kChan]
      const float* fr = filt + i * KW * kChan + cl;
      float win[kPerThread];
#pragma unroll
      for (int r = 0; r < kPerThread; r++) win[r] = row[(j0 + r) * kChan];
      // Unrolled by kPerThread so the window is a ring indexed statically: column j0 + q lives in
      // win[q % kPerThread]; after tap j its slot takes the column kPerThread further on.
      for (int jb = j0; jb < j1; jb += kPerThread) {
#pragma unroll
        for (int jj = 0; jj < kPerThread; jj++) {
          const int j = jb + jj;
          if (j < j1) {
            const float wv = fr[j * kChan];
#pragma unroll
            for (int r = 0; r < kPerThread; r++) acc[r] = fmaf(win[(jj + r) % kPerThread], wv, acc[r]);
            if (j + 1 < j1) win[jj] = row[(j + kPerThread) * kChan];  // column <= ocol + KW - 2 + 8 < in_w
          }
        }
      }
    }
  }
  float* o = out + ((n * OH + oh) * OW + ow) * C + c;
#pragma unroll
  for (int r = 0; r < kPerThread; r++)
    if (ow + r < OW) o[static_cast<long long>(r) * C] = acc[r];
}

__global__ void dw_direct_forward_kernel(const float* __restrict__ x, const float* __restrict__ w,
                                         const float* __restrict__ bias, float* __restrict__ y, long long total,
                                         DwGeom g) {
  long long idx = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; idx < total; idx += stride) {
    const int c = static_cast<int>(idx % g.c);
    long long p = idx / g.c;
    const int ow = static_cast<int>(p % g.ow);
    p /= g.ow;
    const int oh = static_cast<int>(p % g.oh);
    const long long n = p / g.oh;
    const float* wc = w + static_cast<long long>(c) * g.kh * g.kw;
    float acc = bias ? bias[c] : 0.f;
    for (int i = 0; i < g.kh; i++) {
      const int ih = oh * g.sh - g.pt + i * g.dh;
      if (ih < 0 || ih >= g.h) continue;
      for (int j = 0; j < g.kw; j++) {
        const int iw = ow * g.sw - g.pl + j * g.dw;
        if (iw < 0 || iw >= g.w) continue;
        acc = fmaf(x[((n * g.h + ih) * g.w + iw) * g.c + c], wc[i * g.kw + j], acc);
      }
    }
    y[idx] = acc;
  }
}

// dx(h, w) = sum over taps (i, j) with h + pt - i*dh = oh*sh, w + pl - j*dw = ow*sw, in range.
__global__ void dw_direct_backward_data_kernel(const float* __restrict__ dy, const float* __restrict__ w,
                                               float* __restrict__ dx, long long total, DwGeom g) {
  long long idx = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
  const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
  for (; idx < total; idx += stride) {
    const int c = static_cast<int>(idx % g.c);
    long long p = idx / g.c;
    const int iw = static_cast<int>(p % g.w);
    p /= g.w;
    const int ih = static_cast<int>(p % g.h);
    const long long n = p / g.h;
    const float* wc = w + static_cast<long long>(c) * g.kh * g.kw;
    float acc = 0.f;
    for (int i = 0; i < g.kh; i++) {
      const int th = ih + g.pt - i * g.dh;
      if (th < 0 || th % g.sh) continue;
      const int oh = th / g.sh;
      if (oh >= g.oh) continue;
      for (int j = 0; j < g.kw; j++) {
        const int tw = iw + g.pl - j * g.dw;
        if (tw < 0 || tw % g.sw) continue;
        const int ow = tw / g.sw;
        if (ow >= g.ow) continue;
        acc = fmaf(dy[((n * g.oh + oh) * g.ow + ow) * g.c + c], wc[i * g.kw + j], acc);
      }
    }
    dx[idx] = acc;
  }
}

// Block (32, 8): channels blockIdx.x*32 + tx, tap blockIdx.y = i*KW + j; 8 slices of the output positions.
__global__ void dw_backward_weights_kernel(const float* __restrict__ dy, const float* __restrict__ x,
                                           float* __restrict__ dw, DwGeom g) {
  __shared__ double part[8][33];
  const int c = blockIdx.x * 32 + threadIdx.x;
  const int i = blockIdx.y / g.kw, j = blockIdx.y % g.kw;
  const long long positions = static_cast<long long>(g.n) * g.oh * g.ow;
  double acc = 0;
  if (c < g.c)
    for (long long p = threadIdx.y; p < positions; p += 8) {
      const int ow = static_cast<int>(p % g.ow);
      const long long r = p / g.ow;
      const int oh = static_cast<int>(r % g.oh);
      const long long n = r / g.oh;
      const int ih = oh * g.sh - g.pt + i * g.dh, iw = ow * g.sw - g.pl + j * g.dw;
      if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
      acc += static_cast<double>(dy[p * g.c + c]) * x[((n * g.h + ih) * g.w + iw) * g.c + c];
    }
  part[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && c < g.c) {
    double s = 0;
    for (int k = 0; k < 8; k++) s += part[k][threadIdx.x];
    dw[static_cast<long long>(c) * g.kh * g.kw + blockIdx.y] = static_cast<float>(s);
  }
}

size_t max_smem_optin() {
  int dev = 0, v = 0;
  LK_CUDA_CHECK(cudaGetDevice(&dev));
  LK_CUDA_CHECK(cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
  return static_cast<size_t>(v);
}

bool tiled_fits(const DwGeom& g) {
  return g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && tile_geom(g.kh, g.kw).smem_bytes <= max_smem_optin();
}

void launch_tiled(const float* in, const float* w, const float* bias, float* out, int n, int ih, int iw, int c,
                  int oh, int ow, int kh, int kw, int pt, int pl, bool flip) {
  const TileGeom t = tile_geom(kh, kw);
  if (t.smem_bytes > 48 * 1024)
    LK_CUDA_CHECK(cudaFuncSetAttribute(dw_tiled_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       static_cast<int>(t.smem_bytes)));
  const int tiles_h = ceil_div(oh, kTileH), tiles_w = ceil_div(ow, kTileW);
  if (static_cast<long long>(tiles_h) * tiles_w > 65535 || n > 65535)
    throw std::runtime_error("cuda dwconv: image too large for one launch");
  dim3 grid(ceil_div(c, kChan), tiles_h * tiles_w, n);
  dw_tiled_kernel<<<grid, 256, t.smem_bytes, current_stream()>>>(in, w, bias, out, ih, iw, c, oh, ow, kh, kw, pt, pl,
                                                                 tiles_w, t.in_h, t.in_w, t.pitch, flip);
  check_launch();
}

}  // namespace

const char* dw_path(const DwGeom& g) { return tiled_fits(g) ? "tiled" : "direct"; }

void dw_forward(const float* x, const float* w, const float* bias, float* y, const DwGeom& g) {
  if (g.n == 0 || g.oh == 0 || g.ow == 0 || g.c == 0) return;
  if (tiled_fits(g)) return launch_tiled(x, w, bias, y, g.n, g.h, g.w, g.c, g.oh, g.ow, g.kh, g.kw, g.pt, g.pl, false);
  const long long total = static_cast<long long>(g.n) * g.oh * g.ow * g.c;
  dw_direct_forward_kernel<<<grid_for(total), kThreads, 0, current_stream()>>>(x, w, bias, y, total, g);
  check_launch();
}

void dw_backward_data(const float* dy, const float* w, float* dx, const DwGeom& g) {
  if (g.n == 0 || g.h == 0 || g.w == 0 || g.c == 0) return;
  if (tiled_fits(g))
    return launch_tiled(dy, w, nullptr, dx, g.n, g.oh, g.ow, g.c, g.h, g.w, g.kh, g.kw, g.kh - 1 - g.pt,
                        g.kw - 1 - g.pl, true);
  const long long total = static_cast<long long>(g.n) * g.h * g.w * g.c;
  dw_direct_backward_data_kernel<<<grid_for(total), kThreads, 0, current_stream()>>>(dy, w, dx, total, g);
  check_launch();
}

void dw_backward_weights(const float* dy, const float* x, float* dw, const DwGeom& g) {
  if (g.c == 0 || g.kh * g.kw == 0) return;
  if (g.kh * g.kw > 65535) throw std::runtime_error("cuda dwconv: kernel too large");
  dim3 block(32, 8), grid(ceil_div(g.c, 32), g.kh * g.kw);
  dw_backward_weights_kernel<<<grid, block, 0, current_stream()>>>(dy, x, dw, g);
  check_launch();
}

}  // namespace lk::cuda
