// The training-mode batch-norm ops against a float64 reference: forward (y, batch mean, biased variance) and the
// backward through the batch statistics (dx, dgamma, dbeta) against central finite differences of it.
import t from 'tap';

import { runOpSync, tensor } from '../../src/native.js';
import { directionalCheck } from '../helpers/gradcheck.js';
import { mulberry, relL2, toF64 } from '../helpers/tensor.js';

function refForward(x: Float64Array, g: Float64Array, b: Float64Array, C: number, eps: number) {
  const R = x.length / C;
  const mean = new Float64Array(C);
  const v = new Float64Array(C);
  for (let i = 0; i < x.length; i++) mean[i % C] += x[i] / R;
  for (let i = 0; i < x.length; i++) v[i % C] += (x[i] - mean[i % C]) ** 2 / R;
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % C;
    y[i] = ((x[i] - mean[c]) / Math.sqrt(v[c] + eps)) * g[c] + b[c];
  }
  return { y, mean, v };
}

for (const shape of [[2, 5, 7, 12], [3, 1, 1, 4], [4, 9, 33]]) {
  t.test(`batch_norm_train ${JSON.stringify(shape)}`, async (t) => {
    const C = shape.at(-1)!;
    const n = shape.reduce((a, b) => a * b, 1);
    const r = mulberry(shape.length * 7 + C);
    const x = tensor(shape, Float32Array.from({ length: n }, () => r() * 6 - 2));
    const g = tensor([C], Float32Array.from({ length: C }, () => 0.5 + r()));
    const b = tensor([C], Float32Array.from({ length: C }, () => r() - 0.5));
    const eps = 1e-5;
    const [y, mean, v] = runOpSync('batch_norm_train', [x, g, b], { eps });
    const ref = refForward(toF64(x), toF64(g), toF64(b), C, eps);
    t.ok(relL2(y!.data, ref.y) <= 1e-6, 'y');
    t.ok(relL2(mean!.data, ref.mean) <= 1e-6, 'batch mean');
    t.ok(relL2(v!.data, ref.v) <= 1e-6, 'biased batch variance');
    const dy = tensor(shape, Float32Array.from({ length: n }, () => r() * 2 - 1));
    const [dx, dg, db] = runOpSync('batch_norm_train_backward', [dy, x, g, mean!, v!], { eps });
    const check = directionalCheck(
      ([xx, gg, bb]) => refForward(xx!, gg!, bb!, C, eps).y,
      [toF64(x), toF64(g), toF64(b)],
      [dx!.data, dg!.data, db!.data],
      toF64(dy),
    );
    check.errors.forEach((e, i) => t.ok(e <= 1e-4, `${['dx', 'dgamma', 'dbeta'][i]} vs finite differences (${e.toExponential(2)})`));
  });
}

t.test('a single value per channel is refused', async (t) => {
  t.throws(() => runOpSync('batch_norm_train', [tensor([1, 3]), tensor([3]), tensor([3])], {}), /more than one value per channel/);
});
