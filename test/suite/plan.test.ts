// The suite's plan: the paper preset's cells per table, narrowing by model and kind, --set overrides only where a
// command has the option, shards that cover every cell once.
import t from 'tap';

import { inShard, planSuite } from '../../src/suite/plan.js';
import { paperCells, paperValues } from '../../src/suite/paper.js';

const accepts = (kind: string, option: string) => ({ eval: ['limit', 'batch'], analyze: ['limit', 'batch', 'bands'], attack: ['limit', 'batch', 'steps', 'points'] } as Record<string, string[]>)[kind].includes(option);

t.test('the paper preset has a cell for every table row with public weights', async (t) => {
  const cells = paperCells();
  const ids = new Set(cells.map((c) => c.id));
  t.equal(ids.size, cells.length, 'no duplicate cells');
  for (const table of paperValues().tables.filter((x) => x.id !== 'T4')) {
    for (const row of table.rows) {
      if (!row.spec) continue;
      const feeding = cells.filter((c) => c.tables.includes(table.id) && c.models.includes(row.spec!));
      t.ok(feeding.length >= 1, `${table.id} ${row.model}: ${feeding.map((c) => c.id).join(', ')}`);
    }
  }
  const t4 = cells.filter((c) => c.tables.includes('T4'));
  t.same(t4.map((c) => [c.surrogate, c.models]), [['vit_base_patch16_224', ['resnet50:a1_in1k', 'resnetv2_152x4_bit', 'replknet_31b']], ['replknet_31b', ['vit_base_patch16_224', 'vit_large_patch16_224']]]);
  t.same(t4[0].args, ['--attack', 'taig-r', '--eps', '0.03,0.06,0.1']);
  const c1 = cells.find((c) => c.id === 'eval.imagenet-c.resnet50@tv_in1k')!;
  t.same(c1.tables, ['T1'], 'ResNet-50 IN-C feeds T1');
  t.same(cells.find((c) => c.id === 'eval.imagenet-c.replknet_31b')!.tables, ['T1', 'T5', 'T6'], 'one cell shared by three tables');
});

t.test('narrowing the preset, and --set where the command has the option', async (t) => {
  const cells = planSuite({ preset: 'paper', models: ['resnet50'], attacks: ['taig-r'], analyses: ['none'], sets: { steps: '2', bands: '0' }, accepts });
  t.same(cells.map((c) => c.id), ['eval.imagenet-c.resnet50@tv_in1k', 'eval.imagenet-p.resnet50@tv_in1k', 'eval.imagenet-9.resnet50@tv_in1k', 'attack.taig-r.from-vit_base_patch16_224.resnet50@a1_in1k']);
  const taig = cells[3];
  t.same(taig.models, ['resnet50:a1_in1k'], 'targets narrowed, surrogate kept');
  t.same(taig.overrides, ['steps=2']);
  t.same(taig.args.slice(-2), ['--steps', '2']);
  t.same(cells[0].overrides, [], 'eval has no --steps: untouched');
  t.throws(() => planSuite({ benchmarks: ['imagenet-z'], models: ['resnet50'], accepts }), { code: 'LKR_SUITE_ARG' });
  t.throws(() => planSuite({ preset: 'paper', models: ['alexnet'], accepts }), { code: 'LKR_SUITE_ARG', message: /grid is empty/ });
});

t.test('shards cover every cell exactly once', async (t) => {
  const n = paperCells().length;
  for (const count of [1, 2, 3, 7]) {
    const hits = Array.from({ length: n }, (_, i) => Array.from({ length: count }, (_, k) => inShard(i, { index: k, count })).filter(Boolean).length);
    t.ok(hits.every((h) => h === 1), `${count} shard(s)`);
  }
});
