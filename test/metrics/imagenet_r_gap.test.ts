// ImageNet-R with --val-dir: the 200-class val subset scored as [INR] eval.py does (the same restricted argmax),
// and the gap = val-subset accuracy − ImageNet-R accuracy.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t from 'tap';

import { randomParams } from '../../src/bench/model.js';
import { evalMain } from '../../src/cli/commands/eval.js';
import { valSubset } from '../../src/data/layouts.js';
import { loadImages } from '../../src/data/preprocess.js';
import { writeSyntheticDatasets } from '../../src/data/synthetic.js';
import { restrictedArgmax } from '../../src/metrics/classification.js';
import { writeSafetensors } from '../../src/models/checkpoint/index.js';
import { Model } from '../../src/models/model.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'lkr-rgap-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

t.test('eval imagenet-r --val-dir reports the val-subset accuracy and the gap', async (t) => {
  const dirs = await writeSyntheticDatasets(path.join(root, 'data'), { perClass: 2, classes: 4 });
  const weights = path.join(root, 'w.safetensors');
  const m = new Model('lkr_demo_convnext');
  writeSafetensors(weights, new Map(Object.entries(randomParams(m, 7))));
  m.loadWeights(weights);
  const { results } = await evalMain(
    { model: 'lkr_demo_convnext', weights, benchmark: 'imagenet-r', data: dirs['imagenet-r'], valDir: dirs['imagenet-val'], batch: 8, json: true, difficulty: 1, out: path.join(root, 'run') },
    () => {},
  );
  const s = results.summary as { top1: number; val_subset_top1: number; val_subset_n: number; gap: number };
  const sub = valSubset(dirs['imagenet-val'], 'r');
  t.ok(sub.items.length > 0, `${sub.items.length} val images of ImageNet-R classes`);
  const x = await loadImages(sub.items.map((i) => i.path), m.entry.preprocess);
  const pred = restrictedArgmax((await m.forward(x)).logits, sub.indices);
  const correct = sub.items.filter((it, i) => pred[i] === it.label).length;
  t.equal(s.val_subset_n, sub.items.length);
  t.equal(s.val_subset_top1, correct / sub.items.length, 'val subset scored with the restricted argmax');
  t.equal(s.gap, s.val_subset_top1 - s.top1);
  t.equal(results.data.val_subset_images, sub.items.length);
  // Without --val-dir nothing changes.
  const plain = (await evalMain({ model: 'lkr_demo_convnext', weights, benchmark: 'imagenet-r', data: dirs['imagenet-r'], batch: 8, json: true, difficulty: 1, out: path.join(root, 'plain') }, () => {})).results;
  t.equal((plain.summary as { top1: number }).top1, s.top1);
  t.notOk('gap' in plain.summary);
});
