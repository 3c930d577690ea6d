// Float64 naive reference for multi-head attention (native/core/ops/attention.h): q, k, v (B, H, T, D),
// probs = softmax(q k^T scale) over keys, out = probs v; and the backward through each of the three.
export type F64 = Float64Array;

export interface AttentionRef {
  out: F64;
  probs: F64;
}

export function attentionFull(q: F64, k: F64, v: F64, shape: number[], scale: number): AttentionRef {
  const [B, Hh, T, D] = shape;
  const out = new Float64Array(q.length);
  const probs = new Float64Array(B * Hh * T * T);
  for (let bh = 0; bh < B * Hh; bh++) {
    const o = bh * T * D;
    for (let i = 0; i < T; i++) {
      const s = probs.subarray((bh * T + i) * T, (bh * T + i + 1) * T);
      let m = -Infinity;
      for (let j = 0; j < T; j++) {
        let d = 0;
        for (let e = 0; e < D; e++) d += q[o + i * D + e] * k[o + j * D + e];
        s[j] = d * scale;
        m = Math.max(m, s[j]);
      }
      let z = 0;
      for (let j = 0; j < T; j++) z += s[j] = Math.exp(s[j] - m);
      for (let j = 0; j < T; j++) s[j] /= z;
      for (let e = 0; e < D; e++) {
        let acc = 0;
        for (let j = 0; j < T; j++) acc += s[j] * v[o + j * D + e];
        out[o + i * D + e] = acc;
      }
    }
  }
  return { out, probs };
}

export const attention = (q: F64, k: F64, v: F64, shape: number[], scale: number): F64 => attentionFull(q, k, v, shape, scale).out;

/** dq, dk, dv for L = <out, dout>: dv = P^T dout, dP = dout v^T, dS = P o (dP - rowsum(P o dP)), dq = scale dS k, dk = scale dS^T q. */
export function attentionBackward(dout: F64, q: F64, k: F64, v: F64, shape: number[], scale: number): { dq: F64; dk: F64; dv: F64 } {
  const [B, Hh, T, D] = shape;
  const { probs } = attentionFull(q, k, v, shape, scale);
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(q.length);
  const dv = new Float64Array(q.length);
  for (let bh = 0; bh < B * Hh; bh++) {
    const o = bh * T * D;
    for (let i = 0; i < T; i++) {
      const p = (j: number) => probs[(bh * T + i) * T + j];
      const dp = new Float64Array(T);
      let rs = 0;
      for (let j = 0; j < T; j++) {
        for (let e = 0; e < D; e++) {
          dp[j] += dout[o + i * D + e] * v[o + j * D + e];
          dv[o + j * D + e] += p(j) * dout[o + i * D + e];
        }
        rs += p(j) * dp[j];
      }
      for (let j = 0; j < T; j++) {
        const ds = p(j) * (dp[j] - rs) * scale;
        for (let e = 0; e < D; e++) {
          dq[o + i * D + e] += ds * k[o + j * D + e];
          dk[o + j * D + e] += ds * q[o + i * D + e];
        }
      }
    }
  }
  return { dq, dk, dv };
}
