// Shared fixtures for eval tests: synthetic datasets in every layout and the demo model with random weights.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { randomParams } from '../../src/bench/model.js';
import { writeSyntheticDatasets } from '../../src/data/synthetic.js';
import { writeSafetensors } from '../../src/models/checkpoint/index.js';
import { Model } from '../../src/models/model.js';

export const CLI = path.resolve(new URL('../../dist/cli/main.js', import.meta.url).pathname);

export interface Fixture {
  root: string;
  dirs: Record<string, string>;
  weights: string;
}

export async function makeFixture(): Promise<Fixture> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lkr-eval-'));
  const dirs = await writeSyntheticDatasets(path.join(root, 'data'), { perClass: 2, classes: 4 });
  const weights = path.join(root, 'demo.safetensors');
  if (!existsSync(weights)) {
    mkdirSync(root, { recursive: true });
    const m = new Model('lkr_demo_convnext');
    writeSafetensors(weights, new Map(Object.entries(randomParams(m, 3))));
  }
  return { root, dirs, weights };
}
