// `lkrobust suite --preset paper`, narrowed to ResNet-50 (the smallest of the paper's models), on small generated
// datasets in the released layouts, with random-weight checkpoints written by the oracle and served by a local
// HTTP server as the models' "official" weights (LKR_WEIGHTS_INDEX). Runs end to end; suite.json and the HTML
// report put the paper's published values beside ours; the report opens in headless Chromium.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import sharp from 'sharp';
import t from 'tap';

import { paperValues } from '../../src/suite/paper.js';
import { CLI, makeFixture } from '../eval/fixtures.js';
import { ORACLE_SKIP, oraclePython } from '../helpers/oracle.js';
import { isolatedEnv } from '../weights/fixtures.js';
import { startServer } from '../weights/server.js';

const run = promisify(execFile);
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

t.test('suite --preset paper end to end with served official weights', { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const fx = await makeFixture();
  t.teardown(() => rmSync(fx.root, { recursive: true, force: true })); // about 1 GB of checkpoints and cache copies
  await run(oraclePython()!, [new URL('./make_paper_weights.py', import.meta.url).pathname, fx.root], { env: { ...process.env, OMP_NUM_THREADS: '2' } });
  const server = await startServer(590_000);
  t.teardown(() => server.close());
  const r50 = readFileSync(path.join(fx.root, 'resnet50-random.pth'));
  const vit = readFileSync(path.join(fx.root, 'vit_base-random.safetensors'));
  // Hub -> CDN style redirects, as the real publishers serve them.
  server.routes.set('/models/resnet50-random.pth', { redirect: '/cdn/resnet50-random.pth' });
  server.routes.set('/cdn/resnet50-random.pth', { body: r50 });
  server.routes.set('/timm/vit/resolve/main/model.safetensors', { redirect: '/cdn/vit.safetensors' });
  server.routes.set('/cdn/vit.safetensors', { body: vit });
  const index = path.join(fx.root, 'index.json');
  writeFileSync(index, JSON.stringify([
    { model: 'resnet50', tag: 'tv_in1k', url: `${server.url}/models/resnet50-random.pth`, file: 'resnet50-random.pth' },
    { model: 'resnet50', tag: 'a1_in1k', url: `${server.url}/models/resnet50-random.pth`, file: 'resnet50-random.pth' },
    { model: 'vit_base_patch16_224', tag: 'augreg2_in21k_ft_in1k', url: `${server.url}/timm/vit/resolve/main/model.safetensors`, file: 'model.safetensors' },
  ]));
  const env = isolatedEnv(fx.root, { LKR_WEIGHTS_INDEX: index });
  const out = path.join(fx.root, 'paper');
  const dataRoot = path.dirname(fx.dirs['imagenet-val']);
  const args = ['suite', '--preset', 'paper', '--models', 'resnet50', '--data-root', dataRoot, '--out', out, '--limit', '1', '--batch', '8', '--set', 'steps=1', '--set', 'points=1'];
  const { stderr } = await run(process.execPath, [CLI, ...args], { env, maxBuffer: 64 << 20 });
  const s = JSON.parse(readFileSync(path.join(out, 'suite.json'), 'utf8'));

  const ids = s.cells.map((c: { id: string; status: string }) => `${c.id} ${c.status}`).sort();
  t.same(ids, [
    'analyze.feature-variance.resnet50@tv_in1k done',
    'attack.fgsm.resnet50@tv_in1k done',
    'attack.pgd.resnet50@tv_in1k done',
    'attack.taig-r.from-vit_base_patch16_224.resnet50@a1_in1k done',
    'eval.imagenet-9.resnet50@tv_in1k done',
    'eval.imagenet-c.resnet50@tv_in1k done',
    'eval.imagenet-p.resnet50@tv_in1k done',
  ], "ResNet-50's cells of the paper's tables and figures, all done");
  t.match(stderr, /7 done, 0 skipped, 0 failed/);
  const fetched = server.log.filter((l) => l.path.startsWith('/cdn/')).map((l) => l.path).sort();
  t.same(fetched, ['/cdn/resnet50-random.pth', '/cdn/resnet50-random.pth', '/cdn/vit.safetensors'], 'each checkpoint downloaded once per tag (ResNet-50 has two here), then found in the cache');

  const card = s.models['resnet50:tv_in1k'];
  t.equal(card.weights.tag, 'tv_in1k');
  t.equal(card.weights.url, `${server.url}/models/resnet50-random.pth`);
  t.match(card.weights.sha256, /^[0-9a-f]{64}$/);
  t.same(card.preprocessing.mean, [0.485, 0.456, 0.406]);

  const table = (id: string) => s.paper.tables.find((x: { id: string }) => x.id === id);
  const t3 = table('T3').rows.find((r: { model: string }) => r.model === 'ResNet-50');
  t.same(t3.paper, [95.6, 86.2, 78.9, 7.3], "the paper's values, from data/paper_lkrobust.json");
  t.same(t3.paper, paperValues().tables.find((x) => x.id === 'T3')!.rows[1].values);
  const m = card.metrics;
  t.same(t3.ours, ['imagenet-9.original', 'imagenet-9.mixed_same', 'imagenet-9.mixed_rand', 'imagenet-9.bg_gap'].map((k) => Math.round(m[k] * 10000) / 100), 'ours, in percent');
  t.same(t3.difference, t3.ours.map((v: number, i: number) => Math.round((v - t3.paper[i]) * 100) / 100), 'the difference');
  const t4 = table('T4').rows.find((r: { model: string }) => r.model === 'ResNet-50');
  t.ok(t4.ours.every((v: number | null) => typeof v === 'number'), 'TAIG success rates measured at the three budgets');
  t.same(table('T4').settings_differ.sort(), ['batch=8', 'limit=1', 'points=1', 'steps=1'], 'the settings that differ from the paper are said');
  t.equal(table('T1').rows.find((r: { model: string }) => r.model === 'DeepAugment+AugMix').spec, null, 'rows without public weights are shown as the paper has them');

  if (!CHROMIUM) {
    t.skip('report in headless Chromium: Chromium not installed (apt-get install chromium)');
    return;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('console', (msg) => void (msg.type() === 'error' && errors.push(msg.text())));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('file://' + path.join(out, 'report.html'));
  t.same(errors, [], 'no console errors');
  t.equal(await page.locator('h2').first().textContent(), 'Models × metrics', 'the model × metric table comes first');
  const row = page.locator('#paper-T3 tr', { hasText: 'ResNet-50' });
  t.equal(await row.locator('td.paper-value').first().textContent(), '95.60', "the paper's value");
  t.equal(await row.locator('td.ours').first().textContent(), t3.ours[0].toFixed(2), 'ours beside it');
  t.equal(await row.locator('td.diff').first().textContent(), t3.difference[0].toFixed(2), 'and the difference');
  t.ok((await page.locator('figure svg').count()) >= 3, 'the plots after the tables');
  const png = await page.screenshot();
  const spread = Math.max(...(await sharp(png).stats()).channels.map((c) => c.stdev));
  t.ok(spread > 10, `the page is not blank (pixel stdev ${spread.toFixed(1)})`);
});
