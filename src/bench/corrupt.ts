// ImageNet-C generation speed: images/s per corruption at 224² on our native kernels beside imagecorruptions
// (the reference Python, through the oracle venv) on the same crops in the same run; then the whole 19 × 5 set
// made from JPEG files by `corrupt` beside only decoding and re-encoding the same images 95 times.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

import sharp from 'sharp';

import { proceduralFrost } from '../corrupt/frost.js';
import { sourceImages } from '../corrupt/jobs.js';
import { CORRUPTIONS, corruptionParams, type CorruptionName } from '../corrupt/params.js';
import { releasedPreprocess, runCorrupt } from '../corrupt/writer.js';
import { decodeImageRgb } from '../data/preprocess.js';
import { writeNpy } from '../data/npy.js';
import { syntheticImage } from '../data/synthetic.js';
import { corruptImages } from '../native.js';

const SIZE = 224;

export interface CorruptBenchOptions {
  images: number;
  /** Source JPEG folder (ImageFolder); default: synthetic 500x375 JPEGs. */
  data?: string;
  corruptions?: CorruptionName[];
  threads: number;
  python?: string | null;
  /** Also time the whole set from JPEG files against decode + re-encode x95. */
  pipeline?: boolean;
  /** Each timing is the best of this many repetitions, ours and the reference's alike (default 2). */
  reps?: number;
}

export interface CorruptBenchRow {
  corruption: string;
  ours_ips: number;
  reference_ips: number | null;
  ratio: number | null;
}

export interface CorruptBenchReport {
  threads: number;
  images: number;
  reps: number;
  source: string;
  rows: CorruptBenchRow[];
  set: { ours_ips: number; reference_ips: number | null; ratio: number | null };
  pipeline: { corrupt_seconds: number; decode_encode_x95_seconds: number; ratio: number; outputs: number } | null;
  reference_versions: Record<string, string> | null;
}

interface Reference {
  versions: Record<string, string>;
  time(name: string, reps: number): Promise<number>;
  close(): void;
}

/** scripts/bench/corrupt_reference.py as a server: one request per corruption, answered with its seconds. */
async function startReference(python: string, images: Buffer, n: number, threads: number, tmp: string): Promise<Reference> {
  const npy = path.join(tmp, 'crops.npy');
  writeNpy(npy, [n, SIZE, SIZE, 3], Float32Array.from(images));
  const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/bench/corrupt_reference.py');
  const child = spawn(python, [script, JSON.stringify({ images: npy, threads })], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error('the reference timing script stopped (see its error above)');
    return JSON.parse(r.value) as { versions?: Record<string, string>; seconds?: number };
  };
  const ready = await next();
  return {
    versions: ready.versions!,
    async time(name, reps) {
      child.stdin!.write(`${name} ${reps}\n`);
      return (await next()).seconds!;
    },
    close() {
      child.stdin!.end();
    },
  };
}

async function syntheticJpegs(dir: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const d = path.join(dir, `n0000${i % 4}`);
    mkdirSync(d, { recursive: true });
    const rgb = syntheticImage(i % 37, i, 500);
    await sharp(rgb, { raw: { width: 500, height: 500, channels: 3 } }).resize(500, 375, { fit: 'fill' }).jpeg({ quality: 90 }).toFile(path.join(d, `img_${i}.JPEG`));
  }
}

export async function benchCorrupt(o: CorruptBenchOptions): Promise<CorruptBenchReport> {
  const names = o.corruptions ?? [...CORRUPTIONS];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lkr-bench-corrupt-'));
  try {
    let data = o.data;
    if (!data) {
      data = path.join(tmp, 'src');
      await syntheticJpegs(data, o.images);
    }
    const files = sourceImages(data).slice(0, o.images);
    const crops = await Promise.all(files.map((f) => decodeImageRgb(f.path, releasedPreprocess(SIZE), { keepIfInputSize: true })));
    const n = crops.length;
    const images = Buffer.concat(crops);
    const keys = files.map((f) => f.rel);
    const frost = proceduralFrost(SIZE).textures;
    const rows: CorruptBenchRow[] = [];
    const ourSeconds: Record<string, number> = {};
    const reps = o.reps ?? 2;
    let versions: Record<string, string> | null = null;
    let refTotal: number | null = null;
    const reference = o.python ? await startReference(o.python, images, n, o.threads, tmp) : null;
    if (reference) {
      versions = reference.versions;
      refTotal = 0;
    }
    try {
      // Ours, then the reference, corruption by corruption: both sides see the same machine load.
      for (const name of names) {
        const call = (severity: number, count: number) =>
          corruptImages({ corruption: name, severity, params: corruptionParams(name, severity), seed: 0, width: SIZE, height: SIZE, images: images.subarray(0, count * SIZE * SIZE * 3), keys: keys.slice(0, count), frost });
        await call(1, Math.min(2, n)); // warm-up
        ourSeconds[name] = Infinity;
        for (let rep = 0; rep < reps; rep++) {
          const t0 = performance.now();
          for (let s = 1; s <= 5; s++) await call(s, n);
          ourSeconds[name] = Math.min(ourSeconds[name], (performance.now() - t0) / 1000);
        }
        const row: CorruptBenchRow = { corruption: name, ours_ips: (5 * n) / ourSeconds[name], reference_ips: null, ratio: null };
        if (reference) {
          const sec = await reference.time(name, reps);
          refTotal! += sec;
          row.reference_ips = (5 * n) / sec;
          row.ratio = row.ours_ips / row.reference_ips;
        }
        rows.push(row);
      }
    } finally {
      reference?.close();
    }
    const ourTotal = Object.values(ourSeconds).reduce((a, b) => a + b, 0);
    const setIps = (names.length * 5 * n) / ourTotal;
    const refIps = refTotal === null ? null : (names.length * 5 * n) / refTotal;
    let pipeline: CorruptBenchReport['pipeline'] = null;
    if (o.pipeline !== false) {
      const t0 = performance.now();
      const r = await runCorrupt({ data, out: path.join(tmp, 'out'), corruptions: names, severities: [1, 2, 3, 4, 5], seed: 0, size: SIZE, format: 'jpeg', frost: proceduralFrost(SIZE), limit: o.images });
      const corruptSeconds = (performance.now() - t0) / 1000;
      // The floor: only decode (+ resize and crop) and re-encode at q85, once per output file.
      const t1 = performance.now();
      for (let rep = 0; rep < names.length * 5; rep++) {
        await Promise.all(
          files.map(async (f) => {
            const rgb = await decodeImageRgb(f.path, releasedPreprocess(SIZE), { keepIfInputSize: true });
            await sharp(rgb, { raw: { width: SIZE, height: SIZE, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
          }),
        );
      }
      const floor = (performance.now() - t1) / 1000;
      pipeline = { corrupt_seconds: corruptSeconds, decode_encode_x95_seconds: floor, ratio: corruptSeconds / floor, outputs: r.written };
    }
    return {
      threads: o.threads,
      images: n,
      reps: o.reps ?? 2,
      source: o.data ? path.resolve(o.data) : 'synthetic 500x375 JPEGs',
      rows,
      set: { ours_ips: setIps, reference_ips: refIps, ratio: refIps === null ? null : setIps / refIps },
      pipeline,
      reference_versions: versions,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
