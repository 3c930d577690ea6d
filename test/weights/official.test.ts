// Every registry model has its official weights listed (or a reason why there are none), the paper's models
// resolve, `weights list --json` prints them, and the listed facts equal what timm's and torchvision's own
// packages state (through the oracle venv).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import { NO_OFFICIAL_WEIGHTS, OFFICIAL_WEIGHTS } from '../../src/models/official_weights.js';
import { DEMO_MODEL, findModel, MODELS } from '../../src/models/registry.js';
import { paperValues } from '../../src/suite/paper.js';
import { findWeights, parseWeightsName } from '../../src/weights/catalog.js';
import { namePrefix } from '../../src/weights/resolve.js';
import { ORACLE_SKIP, oraclePython } from '../helpers/oracle.js';
import { isolatedEnv, tmpDir } from './fixtures.js';

const run = promisify(execFile);
const CLI = path.resolve(new URL('../../dist/cli/main.js', import.meta.url).pathname);

t.test('every registry model lists official weights with one default, or says why not', async (t) => {
  for (const m of [...MODELS, DEMO_MODEL]) {
    const list = OFFICIAL_WEIGHTS.filter((w) => w.model === m.name);
    if (NO_OFFICIAL_WEIGHTS[m.name]) {
      t.equal(list.length, 0, `${m.name}: none, because ${NO_OFFICIAL_WEIGHTS[m.name]}`);
      continue;
    }
    t.ok(list.length >= 1, `${m.name} has official weights`);
    t.equal(list.filter((w) => w.default).length, 1, `${m.name}: exactly one default`);
  }
  for (const w of OFFICIAL_WEIGHTS) {
    t.doesNotThrow(() => findModel(w.model), `${w.model}:${w.tag} is a registry model`);
    t.ok(w.publisher && w.licence && w.url.startsWith('https://') && w.file, `${w.model}:${w.tag}: publisher, licence, https URL, file`);
    if (w.hash === 'name-prefix') t.ok(namePrefix(w.file), `${w.file}: the published hash is in the name`);
    if (w.hf) t.equal(w.url, `https://huggingface.co/${w.hf.repo}/resolve/${w.hf.revision}/${w.hf.file}`);
  }
  t.equal(new Set(OFFICIAL_WEIGHTS.map((w) => `${w.model}:${w.tag}`)).size, OFFICIAL_WEIGHTS.length, 'no duplicate tags');
});

t.test("the paper's models resolve to official weights (all but the unreleased RepLKNet-3B)", async (t) => {
  const specs = new Set(paperValues().tables.flatMap((tb) => tb.rows.map((r) => r.spec)).filter((s): s is string => s !== null));
  for (const spec of specs) {
    const { model, tag } = parseWeightsName(spec);
    if (model === 'replknet_31b_k3') {
      t.throws(() => findWeights(model, tag), { code: 'LKR_WEIGHTS_UNKNOWN' }, 'RepLKNet-3B: named as unreleased');
      continue;
    }
    t.ok(findWeights(model, tag).paper, `${spec} is marked as the paper's model`);
  }
});

t.test('`lkrobust weights list --json` prints every entry', { skip: existsSync(CLI) ? false : 'dist not built (npm run build:ts)' }, async (t) => {
  const { stdout } = await run(process.execPath, [CLI, 'weights', 'list', '--json'], { env: isolatedEnv(tmpDir()) });
  const rows = JSON.parse(stdout) as { model: string; tag: string; url: string; cached: string | null }[];
  t.same(rows.map((r) => `${r.model}:${r.tag}`), OFFICIAL_WEIGHTS.map((w) => `${w.model}:${w.tag}`));
  t.ok(rows.every((r) => r.cached === null), 'nothing cached in an empty home');
  const one = await run(process.execPath, [CLI, 'weights', 'list', 'convnext_base', '--json'], { env: isolatedEnv(tmpDir()) });
  t.same(JSON.parse(one.stdout).map((r: { tag: string }) => r.tag), ['fb_in22k_ft_in1k', 'fb_in1k']);
});

t.test("the listed facts equal timm's pretrained cfgs and torchvision's weight enums", { skip: oraclePython() ? false : ORACLE_SKIP }, async (t) => {
  const dir = tmpDir('lkr-facts-');
  const timmNames = OFFICIAL_WEIGHTS.filter((w) => w.hf || w.model === 'resnet50').map((w) => `${w.model.replace(/\.dino$/, '')}.${w.tag}`);
  const tv = [['resnet50', 'IMAGENET1K_V1'], ['resnet50', 'IMAGENET1K_V2'], ['alexnet', 'IMAGENET1K_V1']];
  writeFileSync(path.join(dir, 'cases.json'), JSON.stringify({ timm: timmNames, torchvision: tv }));
  await run(oraclePython()!, [new URL('./official_facts.py', import.meta.url).pathname, dir], { maxBuffer: 16 << 20 });
  const facts = JSON.parse(readFileSync(path.join(dir, 'facts.json'), 'utf8'));
  for (const w of OFFICIAL_WEIGHTS.filter((x) => x.hf)) {
    const f = facts.timm[`${w.model.replace(/\.dino$/, '')}.${w.tag}`];
    t.ok(f, `${w.model}:${w.tag} exists in timm ${facts.timm_version}`);
    if (!f) continue;
    t.equal(`timm/${f.hf_hub_id.replace(/^timm\/$/, '')}`.replace('timm/timm/', 'timm/'), w.hf!.repo, `${w.model}:${w.tag} HF repo`);
    t.equal(f.license, w.licence.toLowerCase(), 'licence');
    const e = findModel(w.model);
    t.equal(f.input_size[1], e.preprocess.inputSize, `${w.model}: input size as the registry`);
    if (w.model.endsWith('.dino')) {
      // The registry follows DINO's own eval (Resize 256, CenterCrop 224; REFERENCE §1.3), not timm's 0.9.
      t.same([f.crop_pct, e.preprocess.cropPct], [0.9, 0.875], "DINO: timm's crop 0.9, the registry's 0.875 (stated in the entry's notes)");
      t.match(w.notes, /0\.875/);
    } else {
      t.equal(f.crop_pct, e.preprocess.cropPct, 'crop_pct as the registry');
    }
    t.equal(f.interpolation, e.preprocess.interpolation, 'interpolation as the registry');
    t.equal(f.num_classes, e.numClasses, 'classes as the registry');
  }
  t.equal(facts.timm['resnet50.a1_in1k'].url, findWeights('resnet50', 'a1_in1k').url, 'timm a1 legacy URL');
  t.equal(facts.timm['resnet50.tv_in1k'].url, findWeights('resnet50', 'tv_in1k').url, "timm's tv_in1k is torchvision's file");
  const byTv: Record<string, string> = { 'resnet50:IMAGENET1K_V1': 'resnet50:tv_in1k', 'resnet50:IMAGENET1K_V2': 'resnet50:tv2_in1k', 'alexnet:IMAGENET1K_V1': 'alexnet:tv_in1k' };
  for (const [k, ours] of Object.entries(byTv)) {
    const w = findWeights(...(ours.split(':') as [string, string]));
    t.equal(facts.torchvision[k].url, w.url, `${k} URL`);
    t.equal(facts.torchvision[k].acc1, w.top1, `${k} acc@1`);
  }
});
