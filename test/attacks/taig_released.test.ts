// TAIG under --protocol released: the selected-images CSV, the uint8 save, and an attack run whose every
// prediction goes through TAIG_test.py's transform (torch bicubic 256 + crop 224, checked against torch in
// test/analyses/protocol_released.test.ts) on the 256-warp + crop-224 crafting input.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import sharp from 'sharp';
import t from 'tap';

import { randomParams } from '../../src/bench/model.js';
import { attackMain } from '../../src/cli/commands/attack.js';
import { writeSafetensors } from '../../src/models/checkpoint/index.js';
import { Model } from '../../src/models/model.js';
import { argmax } from '../../src/robustness/attacks/common.js';
import { IMAGENET_NORMALIZATION } from '../../src/robustness/released/protocol.js';
import { loadWarpThenCrop, readSelectedImagesCsv, releasedScoringInput, releasedUint8 } from '../../src/robustness/released/taig_io.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'lkr-taig-rel-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

t.test('selected_images.csv: header, rows class_index,wnid,image_name, named errors', async (t) => {
  const f = path.join(root, 'sel.csv');
  writeFileSync(f, 'class_index,class,image_name\n436,n02814533,ILSVRC2012_val_00029057.JPEG\n0,n01440764,a.JPEG\n');
  t.same(readSelectedImagesCsv(f, '/val'), [
    { path: '/val/n02814533/ILSVRC2012_val_00029057.JPEG', label: 436 },
    { path: '/val/n01440764/a.JPEG', label: 0 },
  ]);
  writeFileSync(f, 'class_index,class,image_name\n0,n01440764\n');
  t.throws(() => readSelectedImagesCsv(f, '/val'), { code: 'LKR_IMAGE_LIST', message: /sel\.csv:2: expected class_index,wnid,image_name/ });
  t.throws(() => readSelectedImagesCsv(path.join(root, 'none.csv'), '/val'), { code: 'LKR_IMAGE_LIST' });
});

t.test('uint8 save: torch.round(x·255) in float32, clipped', async (t) => {
  // x·255 is a float32 product (torch), then rounded half to even (roundHalfEven: protocol_released.test.ts).
  const x = Float32Array.from([0, 1, -0.1, 1.2, 0.2, 100 / 255, 7.5 / 255 + 1e-6]);
  t.same(Array.from(releasedUint8(x)), [0, 255, 0, 255, 51, 100, 8]);
});

t.test('attack --protocol released (TAIG-S): predictions through the released scoring transform', async (t) => {
  const val = path.join(root, 'val');
  const files: { path: string; label: number; wnid: string }[] = [];
  for (const [k, wnid] of ['n01440764', 'n01443537'].entries()) {
    mkdirSync(path.join(val, wnid), { recursive: true });
    for (const [w, h] of [[300, 240], [260, 330]]) {
      const b = Buffer.alloc(w * h * 3);
      for (let i = 0; i < b.length; i++) b[i] = 128 + 90 * Math.sin(i * 0.0007 * (k + 2) + w);
      const f = path.join(val, wnid, `img_${w}.png`);
      await sharp(b, { raw: { width: w, height: h, channels: 3 } }).png().toFile(f);
      files.push({ path: f, label: k, wnid });
    }
  }
  const csv = path.join(root, 'selected.csv');
  writeFileSync(csv, 'class_index,class,image_name\n' + files.map((f) => `${f.label},${f.wnid},${path.basename(f.path)}`).join('\n') + '\n');
  const weights = path.join(root, 'demo.safetensors');
  writeSafetensors(weights, new Map(Object.entries(randomParams(new Model('lkr_demo_convnext'), 3))));
  const { results } = await attackMain(
    {
      model: ['lkr_demo_convnext'], weights: [weights], attack: 'taig-s', eps: '8/255', steps: '2', epsSpace: 'pixel', randomStart: true,
      points: 2, pointsPerCall: 0, data: val, imagesCsv: csv, batch: 4, json: true, seed: 0, protocol: 'released', out: path.join(root, 'run'),
    },
    () => {},
  );
  t.equal(results.config.protocol, 'released');
  t.match(results.config.protocol_settings, { crafting_loader: /Resize\(\(256, 256\)\)/, scoring: /bicubic/ });
  t.equal(results.images, 4);
  // The clean predictions, recomputed: warp 256 + crop 224 → uint8 → TAIG_test transform → the model with
  // ImageNet mean/std (the released normalisation for every model).
  const m = new Model('lkr_demo_convnext', { normalization: IMAGENET_NORMALIZATION });
  m.loadWeights(weights);
  const x = await loadWarpThenCrop(files.map((f) => f.path));
  const clean = argmax((await m.forward(releasedScoringInput(releasedUint8(x.data), 4, 224))).logits);
  const correct = clean.filter((p, i) => p === files[i].label).length;
  t.equal(results.rows[0].clean_correct, correct, 'clean correct counts from the released transform');
  t.equal(results.rows[0].n, 4);
});
