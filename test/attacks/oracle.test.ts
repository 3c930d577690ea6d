// Input gradients of full engine models (ResNet-50, ConvNeXt-T, ViT-S/16) against PyTorch autograd (timm, random
// weights) through the oracle venv: the FGSM direction sign(∇CE) and TAIG's sign(∇ logit_y) agree on ≥ 99.9% of pixels.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import t from 'tap';

import { Model } from '../../src/models/model.js';
import { fgsm, oneHot } from '../../src/robustness/attacks/index.js';
import { ORACLE_SKIP, oraclePython, runOracleIn } from '../helpers/oracle.js';
import { mulberry, rand } from '../helpers/tensor.js';

const script = new URL('../oracle/attack_grad.py', import.meta.url).pathname;

/** Fraction of entries whose signs agree (a zero agrees only with a zero). */
function signAgreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (Math.sign(a[i]) === Math.sign(b[i])) same++;
  return same / a.length;
}

for (const { name, size } of [{ name: 'resnet50', size: 64 }, { name: 'convnext_tiny', size: 64 }, { name: 'vit_small_patch16_224', size: 224 }]) {
  t.test(`${name}: input gradients and FGSM directions agree with PyTorch autograd`, { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-attack-grad-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const x = rand([2, size, size, 3], mulberry(123), 0, 1);
    const labels = [5, 640];
    const m0 = new Model(name);
    const { mean, std } = m0.entry.preprocess;
    const want = await runOracleIn(dir, script, { name, labels, mean, std, seed: 1 }, { x });
    const m = new Model(name);
    m.loadWeights(path.join(dir, 'w.safetensors'));
    const { grad } = await m.inputGradient(x, { labels });
    const ce = signAgreement(grad.data, want.grad_ce.data);
    const torch32 = signAgreement(want.grad32_ce.data, want.grad_ce.data);
    t.ok(ce >= 0.999, `sign(∇CE): ${(100 * ce).toFixed(3)}% of pixels agree with PyTorch float64 (PyTorch float32: ${(100 * torch32).toFixed(3)}%)`);
    const eps = 4 / 255;
    const { x: adv } = await fgsm(m, x, labels, { eps });
    let same = 0;
    for (let i = 0; i < x.data.length; i++) {
      const ref = Math.min(1, Math.max(0, x.data[i] + eps * Math.sign(want.grad_ce.data[i])));
      if (Math.abs(adv.data[i] - ref) <= 1e-6) same++;
    }
    t.ok(same / x.data.length >= 0.999, `FGSM images: ${(100 * same / x.data.length).toFixed(3)}% of pixels equal the PyTorch-direction image`);
    const g2 = await m.inputGradient(x, { dlogits: oneHot(labels, 1000) });
    const lg = signAgreement(g2.grad.data, want.grad_logit.data);
    t.ok(lg >= 0.999, `sign(∇ logit_y) (TAIG's objective): ${(100 * lg).toFixed(3)}% agree`);
  });
}
