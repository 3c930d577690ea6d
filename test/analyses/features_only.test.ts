// The ERF needs every family's forward to honour featuresOnly: the last feature map before pooling and the head,
// (N, h, w, C), or ViT's normed tokens (N, 1 + g², D). Checked on each family this build has (random weights).
import t from 'tap';

import { randomParams } from '../../src/bench/model.js';
import { Model } from '../../src/models/model.js';
import { erfBatch } from '../../src/robustness/analyses/erf.js';
import { mulberry, rand } from '../helpers/tensor.js';

// name, input side, expected feature shape for one image
const CASES: [string, number, number[]][] = [
  ['lkr_demo_convnext', 64, [1, 2, 2, 128]],
  ['resnet50', 64, [1, 2, 2, 2048]],
  ['replknet_31b', 64, [1, 2, 2, 1024]],
  ['vit_small_patch16_224', 224, [1, 197, 384]],
  ['alexnet', 224, [1, 6, 6, 256]],
  ['resnetv2_50x1_bit', 64, [1, 2, 2, 2048]],
];

for (const [name, side, shape] of CASES) {
  let why: string | false = false;
  try {
    new Model(name);
  } catch (e) {
    why = `${name}: ${(e as Error).message}`;
  }
  t.test(`${name}: featuresOnly gives the last feature map, and the ERF runs`, { skip: why }, async (t) => {
    const m = new Model(name);
    m.setParams(randomParams(m, 1));
    const x = rand([1, side, side, 3], mulberry(side), 0, 1);
    const { logits: f } = await m.forward(x, { featuresOnly: true });
    t.same(f.shape, shape, `features [${f.shape}]`);
    const { logits } = await m.forward(x);
    t.same(logits.shape, [1, m.entry.numClasses], 'without it: the logits');
    const map = await erfBatch(m, x);
    t.equal(map.length, side * side);
    t.ok(map.some((v) => v > 0), 'a non-zero contribution map');
  });
}
