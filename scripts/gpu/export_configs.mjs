// Writes scripts/gpu/models.json from the TS registry (src/models/registry.ts), so the GPU machine, which has
// no Node.js, builds the same graphs natively (lkr-bench-model). Run after `npx tsc`, commit the output:
//   node scripts/gpu/export_configs.mjs
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { MODELS, DEMO_MODEL } = await import(path.join(here, '../../dist/models/registry.js'));
const out = {};
for (const m of [...MODELS, DEMO_MODEL]) {
  // mean/std travel in the config, as src/models/model.ts passes them to the native graph.
  out[m.name] = {
    family: m.family,
    config: { ...m.config, mean: m.preprocess.mean, std: m.preprocess.std },
    inputSize: m.preprocess.inputSize,
    numClasses: m.numClasses,
  };
}
writeFileSync(path.join(here, 'models.json'), JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${Object.keys(out).length} model configs to scripts/gpu/models.json`);
