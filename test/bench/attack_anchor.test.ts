// The attack benches' PyTorch anchors build the same model as ours: for RepLKNet, whose anchor re-parameterises
// (fuses its small kernels) before running, the weight count must be taken from the model as the checkpoint holds
// it. Before that fix `bench attack --model replknet_31b` stopped with LKR_BENCH_ANCHOR.
import t from 'tap';

import { benchAttack } from '../../src/bench/attack.js';
import { ORACLE_SKIP, oraclePython } from '../helpers/oracle.js';

for (const attack of ['pgd', 'apgd-ce'] as const) {
  t.test(`bench attack --attack ${attack}: RepLKNet's anchor passes the same-model check`, { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
    const row = await benchAttack({ model: 'replknet_31b', attack, batch: 1, size: 32, steps: 1, reps: 1, warmup: 0, threads: 2, python: oraclePython() });
    t.ok(row.torch_ips !== null && row.torch_ips > 0, `PyTorch's side ran (${row.torch_ips?.toFixed(2)} img/s)`);
    t.ok(row.ours_ips > 0, 'ours ran');
  });
}
