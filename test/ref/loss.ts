// Float64 naive reference for cross-entropy on logits (N, K): loss[n] = logsumexp(x[n]) - x[n, label[n]],
// and dlogits[n] = (softmax(x[n]) - onehot(label[n])) dloss[n].
export type F64 = Float64Array;

function logsumexp(x: F64, n: number, K: number): number {
  let m = -Infinity;
  for (let k = 0; k < K; k++) m = Math.max(m, x[n * K + k]);
  let s = 0;
  for (let k = 0; k < K; k++) s += Math.exp(x[n * K + k] - m);
  return m + Math.log(s);
}

export function crossEntropy(x: F64, K: number, labels: number[]): F64 {
  return Float64Array.from(labels, (l, n) => logsumexp(x, n, K) - x[n * K + l]);
}

export function crossEntropyBackward(dloss: F64, x: F64, K: number, labels: number[]): F64 {
  const dx = new Float64Array(x.length);
  labels.forEach((l, n) => {
    const lse = logsumexp(x, n, K);
    for (let k = 0; k < K; k++) dx[n * K + k] = (Math.exp(x[n * K + k] - lse) - (k === l ? 1 : 0)) * dloss[n];
  });
  return dx;
}
