// A 2-D discrete Fourier transform for any size (separable direct DFT with cached twiddles): image sides
// such as 224 are not powers of two, and an O(N³) pass per channel is milliseconds at that size.
export interface Complex2D {
  h: number;
  w: number;
  re: Float64Array;
  im: Float64Array;
}

const twiddles = new Map<string, { cos: Float64Array; sin: Float64Array }>();

function table(n: number, inverse: boolean) {
  const key = `${n}:${inverse}`;
  let t = twiddles.get(key);
  if (!t) {
    const cos = new Float64Array(n * n);
    const sin = new Float64Array(n * n);
    const sign = inverse ? 1 : -1;
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < n; j++) {
        const a = (sign * 2 * Math.PI * ((k * j) % n)) / n;
        cos[k * n + j] = Math.cos(a);
        sin[k * n + j] = Math.sin(a);
      }
    }
    t = { cos, sin };
    twiddles.set(key, t);
  }
  return t;
}

function dft1d(re: Float64Array, im: Float64Array, n: number, stride: number, offset: number, inverse: boolean, outRe: Float64Array, outIm: Float64Array) {
  const { cos, sin } = table(n, inverse);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const xr = re[offset + j * stride];
      const xi = im[offset + j * stride];
      const c = cos[k * n + j];
      const s = sin[k * n + j];
      sr += xr * c - xi * s;
      si += xr * s + xi * c;
    }
    outRe[k] = inverse ? sr / n : sr;
    outIm[k] = inverse ? si / n : si;
  }
}

/** Forward (or inverse, scaled by 1/(h·w)) 2-D DFT. */
export function dft2(x: Complex2D, inverse = false): Complex2D {
  const { h, w } = x;
  const re = Float64Array.from(x.re);
  const im = Float64Array.from(x.im);
  const rowRe = new Float64Array(Math.max(h, w));
  const rowIm = new Float64Array(Math.max(h, w));
  for (let r = 0; r < h; r++) {
    dft1d(re, im, w, 1, r * w, inverse, rowRe, rowIm);
    re.set(rowRe.subarray(0, w), r * w);
    im.set(rowIm.subarray(0, w), r * w);
  }
  for (let c = 0; c < w; c++) {
    dft1d(re, im, h, w, c, inverse, rowRe, rowIm);
    for (let r = 0; r < h; r++) {
      re[r * w + c] = rowRe[r];
      im[r * w + c] = rowIm[r];
    }
  }
  return { h, w, re, im };
}

/** Moves the zero frequency to (h/2, w/2) (numpy's fftshift; inverse = ifftshift). */
export function shift(x: Complex2D, inverse = false): Complex2D {
  const { h, w } = x;
  const re = new Float64Array(h * w);
  const im = new Float64Array(h * w);
  const dy = inverse ? Math.ceil(h / 2) : Math.floor(h / 2);
  const dx = inverse ? Math.ceil(w / 2) : Math.floor(w / 2);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const t = ((r + dy) % h) * w + ((c + dx) % w);
      re[t] = x.re[r * w + c];
      im[t] = x.im[r * w + c];
    }
  }
  return { h, w, re, im };
}
