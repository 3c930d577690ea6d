// Float64 naive references for the pooling family (native/core/ops/pool.h), NHWC, from the definitions:
// windows walk (kh, kw) over the zero/-inf padded input; average pooling divides by the window's size
// clipped to the padded extent (count_include_pad, PyTorch's default) or by its real taps.
export type F64 = Float64Array;

export interface PoolArgs {
  kernel_h: number;
  kernel_w: number;
  stride_h: number;
  stride_w: number;
  pad_t: number;
  pad_b: number;
  pad_l: number;
  pad_r: number;
  count_include_pad?: boolean;
}

export interface PadArgs {
  pad_t: number;
  pad_b: number;
  pad_l: number;
  pad_r: number;
  value?: number;
}

export function poolOut(shape: number[], a: PoolArgs): number[] {
  const [N, H, W, C] = shape;
  return [N, Math.floor((H + a.pad_t + a.pad_b - a.kernel_h) / a.stride_h) + 1, Math.floor((W + a.pad_l + a.pad_r - a.kernel_w) / a.stride_w) + 1, C];
}

interface Window {
  taps: number[]; // flat input indices of the real (unpadded) taps, in (kh, kw) order
  full: number; // taps inside the padded extent
}

function windows(shape: number[], a: PoolArgs, visit: (out: number, w: Window) => void): void {
  const [N, H, W, C] = shape;
  const [, OH, OW] = poolOut(shape, a);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < C; c++) {
          const taps: number[] = [];
          let full = 0;
          for (let kh = 0; kh < a.kernel_h; kh++)
            for (let kw = 0; kw < a.kernel_w; kw++) {
              const h = oh * a.stride_h - a.pad_t + kh;
              const w = ow * a.stride_w - a.pad_l + kw;
              if (h < H + a.pad_b && w < W + a.pad_r) full++;
              if (h >= 0 && w >= 0 && h < H && w < W) taps.push(((n * H + h) * W + w) * C + c);
            }
          visit(((n * OH + oh) * OW + ow) * C + c, { taps, full });
        }
}

const divisor = (a: PoolArgs, w: Window) => (a.count_include_pad === false ? w.taps.length : w.full);

/** The first maximum in window order (what PyTorch routes the gradient to). */
function argmax(x: F64, taps: number[]): number {
  let best = taps[0];
  for (const i of taps) if (x[i] > x[best]) best = i;
  return best;
}

export function pool(x: F64, shape: number[], a: PoolArgs, kind: 'max' | 'avg'): F64 {
  const y = new Float64Array(poolOut(shape, a).reduce((p, q) => p * q, 1));
  windows(shape, a, (o, w) => {
    y[o] = kind === 'max' ? x[argmax(x, w.taps)] : w.taps.reduce((s, i) => s + x[i], 0) / divisor(a, w);
  });
  return y;
}

export function poolBackward(dy: F64, x: F64, shape: number[], a: PoolArgs, kind: 'max' | 'avg'): F64 {
  const dx = new Float64Array(x.length);
  windows(shape, a, (o, w) => {
    if (kind === 'max') dx[argmax(x, w.taps)] += dy[o];
    else for (const i of w.taps) dx[i] += dy[o] / divisor(a, w);
  });
  return dx;
}

export function globalAvgPool(x: F64, shape: number[]): F64 {
  const [N, H, W, C] = shape;
  const y = new Float64Array(N * C);
  for (let i = 0; i < x.length; i++) y[Math.floor(i / (H * W * C)) * C + (i % C)] += x[i] / (H * W);
  return y;
}

export function globalAvgPoolBackward(dy: F64, shape: number[]): F64 {
  const [N, H, W, C] = shape;
  const dx = new Float64Array(N * H * W * C);
  for (let i = 0; i < dx.length; i++) dx[i] = dy[Math.floor(i / (H * W * C)) * C + (i % C)] / (H * W);
  return dx;
}

export function pad2dOut(shape: number[], p: PadArgs): number[] {
  return [shape[0], shape[1] + p.pad_t + p.pad_b, shape[2] + p.pad_l + p.pad_r, shape[3]];
}

export function pad2d(x: F64, shape: number[], p: PadArgs): F64 {
  const [N, H, W, C] = shape;
  const [, OH, OW] = pad2dOut(shape, p);
  const y = new Float64Array(N * OH * OW * C).fill(p.value ?? 0);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) y[((n * OH + h + p.pad_t) * OW + w + p.pad_l) * C + c] = x[((n * H + h) * W + w) * C + c];
  return y;
}

/** dx: the interior of dy (shape is x's). */
export function pad2dBackward(dy: F64, shape: number[], p: PadArgs): F64 {
  const [N, H, W, C] = shape;
  const [, OH, OW] = pad2dOut(shape, p);
  const dx = new Float64Array(N * H * W * C);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) dx[((n * H + h) * W + w) * C + c] = dy[((n * OH + h + p.pad_t) * OW + w + p.pad_l) * C + c];
  return dx;
}
