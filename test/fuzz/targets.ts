// What the fuzzer feeds and how each format is read: seeds (valid files), a structure-aware generator, and
// the reader a user's file goes through. A run must end in a value or a named LKR_ error naming the file.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import sharp from 'sharp';

import { parseIdx } from '../../src/data/idx.js';
import { scanImageFolder } from '../../src/data/imagefolder.js';
import { encodeNpy, parseNpy } from '../../src/data/npy.js';
import { INPUT_RANGES, npyAsInput } from '../../src/data/npy_input.js';
import { ImageDecodeError, preprocessInto } from '../../src/data/preprocess.js';
import { encodeSafetensors, loadCheckpointBuffer } from '../../src/models/checkpoint/index.js';
import { stateDictPickle } from './builders/pickle.js';
import { legacyCheckpoint, zipCheckpoint } from './builders/torch.js';
import { genIdx, genLegacy, genNpy, genPickleCheckpoint, genSafetensors, genZip, genZipBomb } from './generators.js';
import { HOSTILE_CASES } from './hostile_cases.js';
import { below, pick, type Rng } from './mutate.js';

export interface Target {
  name: string;
  /** Share of the inputs this format gets. */
  weight: number;
  seeds: Buffer[];
  generate: (rng: Rng) => Buffer;
  run: (input: Buffer, file: string, rng: Rng) => unknown;
}

const w = { name: 'w', key: '0', numel: 4, size: [2, 2] };
const four = [{ key: '0', data: Float32Array.from([0.5, -1, 2, 3]) }];
const hostile = (format: 'checkpoint' | 'npy') => HOSTILE_CASES.filter((c) => c.format === format && c.bytes().length < 1 << 16).map((c) => c.bytes());

function checkpointSeeds(): Buffer[] {
  return [
    zipCheckpoint([w], four),
    zipCheckpoint([w, { ...w, name: 'v', size: [2], stride: [2], offset: 1 }], four, { deflate: true }),
    zipCheckpoint([], four, { pickle: stateDictPickle([w], 4) }),
    ...hostile('checkpoint'),
  ];
}

/** A small image folder tree with symlinks that loop, point up, sideways or nowhere (its spec is the input). */
function runTree(spec: Buffer, file: string): unknown {
  // the tree's folder carries the input's name, so that a refusal naming the folder names the input
  const base = mkdtempSync(path.join(os.tmpdir(), `${file}-`));
  try {
    const root = path.join(base, 'root');
    for (const line of spec.toString('utf8').split('\n')) {
      const [kind, rel, target] = line.split(' ');
      if (!rel || rel.includes('\0')) continue;
      const p = path.join(root, path.normalize(rel).replace(/^(\.\.(\/|$))+/, ''));
      if (!p.startsWith(root + path.sep)) continue;
      try {
        mkdirSync(path.dirname(p), { recursive: true });
        if (kind === 'd') mkdirSync(p, { recursive: true });
        else if (kind === 'f') writeFileSync(p, '');
        else if (kind === 'l' && target && !path.isAbsolute(target) && p.split(path.sep).length - root.split(path.sep).length >= 2) symlinkSync(target, p);
      } catch {
        // an entry that clashes with an earlier one is left out
      }
    }
    return scanImageFolder(root, { labels: 'folders' }).items.length;
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

function genTree(rng: Rng): Buffer {
  const names = ['a', 'b', 'c'];
  const lines: string[] = [];
  for (let i = 0; i < 2 + below(rng, 10); i++) {
    const depth = 1 + below(rng, 3);
    const rel = Array.from({ length: depth }, () => pick(rng, names)).join('/');
    const kind = pick(rng, ['d', 'f', 'l', 'l']);
    const target = pick(rng, ['.', '..', '../..', '../../..', 'a', '../b', 'missing', 'x.jpg']);
    lines.push(kind === 'f' ? `f ${rel}/x${i}.jpg` : `${kind} ${rel} ${target}`);
  }
  return Buffer.from(lines.join('\n'), 'utf8');
}

async function imageSeeds(): Promise<Buffer[]> {
  const raw = Buffer.from(Array.from({ length: 12 * 10 * 4 }, (_, i) => (i * 37) % 256));
  const img = (channels: 3 | 4) => sharp(raw.subarray(0, 12 * 10 * channels), { raw: { width: 12, height: 10, channels } });
  return Promise.all([img(3).png().toBuffer(), img(4).png().toBuffer(), img(3).jpeg({ quality: 80 }).toBuffer(), img(3).png({ palette: true }).toBuffer(), img(3).gif().toBuffer()]);
}

export async function makeTargets(): Promise<Target[]> {
  const npySeeds = [encodeNpy([1, 2, 2, 3], new Float32Array(12).fill(0.5)), encodeNpy([2, 3], Float64Array.from([1, 2, 3, 4, 5, 6])), ...hostile('npy')];
  const checkpoint = (input: Buffer, file: string) => loadCheckpointBuffer(input, file);
  const out = new Float32Array(8 * 8 * 3);
  return [
    { name: 'pickle', weight: 25, seeds: checkpointSeeds(), generate: genPickleCheckpoint, run: checkpoint },
    { name: 'zip', weight: 12, seeds: checkpointSeeds(), generate: (rng) => (rng() < 0.05 ? genZipBomb(rng) : genZip(rng)), run: checkpoint },
    { name: 'legacy', weight: 15, seeds: [legacyCheckpoint([w], four), legacyCheckpoint([w], four, { protocol: 4 })], generate: genLegacy, run: checkpoint },
    {
      name: 'safetensors',
      weight: 15,
      seeds: [encodeSafetensors(new Map([['w', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }]]), { format: 'pt' })],
      generate: genSafetensors,
      run: checkpoint,
    },
    {
      name: 'npy',
      weight: 15,
      seeds: npySeeds,
      generate: genNpy,
      run: (input, file, rng) => npyAsInput(parseNpy(input, file), file, pick(rng, INPUT_RANGES)),
    },
    { name: 'idx', weight: 10, seeds: [genIdx(() => 0.5)], generate: genIdx, run: (input, file) => parseIdx(input, file, 1 << 24) },
    {
      name: 'image',
      weight: 7,
      seeds: await imageSeeds(),
      generate: (rng) => Buffer.from(Array.from({ length: below(rng, 64) }, () => below(rng, 256))),
      // The native decoders (JPEG, PNG) and sharp's (GIF, ...), as a folder of images is read; a refusal is ItemOutcome.error.
      run: async (input, file, rng) => {
        const [r] = await preprocessInto([input], { inputSize: 8, cropPct: 0.875, interpolation: 'bilinear' }, out, 0, { exifRotate: rng() < 0.2, threads: 1 });
        if (!r.ok) throw new ImageDecodeError(file, r.error ?? 'neither decoded nor refused');
        return r;
      },
    },
    { name: 'walk', weight: 1, seeds: [genTree(() => 0.3)], generate: genTree, run: runTree },
  ];
}
