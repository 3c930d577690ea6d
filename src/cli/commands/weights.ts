// `lkrobust weights list|download|verify|path NAME[:TAG]`: the official checkpoints of the registry's models,
// found in the caches a user already has (PyTorch hub, Hugging Face) or downloaded once into ours.
import type { Argv } from 'yargs';

import type { OfficialWeights } from '../../models/official_weights.js';
import { findWeights, parseWeightsName, weightsCatalog } from '../../weights/catalog.js';
import { findLocal, ownPath } from '../../weights/lookup.js';
import { ensureWeights, weightsKey } from '../../weights/resolve.js';
import { downloadReporter } from '../download_progress.js';

type Action = 'list' | 'download' | 'verify' | 'path';

export interface WeightsArgs {
  action: Action;
  names: string[];
  model?: string;
  json: boolean;
}

const entriesFor = (names: string[]) => names.map((n) => {
  const { model, tag } = parseWeightsName(n);
  return findWeights(model, tag);
});

function listRows(filter?: string) {
  const all = weightsCatalog().filter((w) => !filter || w.model === filter);
  if (filter && !all.length) findWeights(filter, null); // throws the named error
  return all.map((w) => ({ ...w, cached: findLocal(w)?.path ?? null }));
}

function table(rows: (OfficialWeights & { cached: string | null })[]): string {
  const head = ['model:tag', 'default', 'format', 'top-1', 'licence', 'cached', 'source'];
  const lines = rows.map((w) => [weightsKey(w), w.default ? '*' : '', w.format, w.top1 === null ? '-' : w.top1.toFixed(2), w.licence, w.cached ? 'yes' : '', w.hf ? `hf:${w.hf.repo}` : w.url]);
  const width = head.map((_, i) => Math.max(head[i].length, ...lines.map((l) => l[i].length)));
  return [head, ...lines].map((l) => l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(width[i]))).join('  ')).join('\n');
}

export async function weightsMain(argv: WeightsArgs, out: (s: string) => void = (s) => process.stdout.write(s)) {
  if (argv.action === 'list') {
    const rows = listRows(argv.model ?? argv.names[0]);
    out(argv.json ? JSON.stringify(rows, null, 2) + '\n' : table(rows) + '\n(* = what --weights official picks; docs/MODELS.md names every source)\n');
    return rows;
  }
  if (!argv.names.length) throw new RangeError(`weights ${argv.action}: name at least one model, e.g. resnet50 or resnet50:tv_in1k`);
  const results: Record<string, unknown>[] = [];
  for (const w of entriesFor(argv.names)) {
    if (argv.action === 'path') {
      const local = findLocal(w);
      const r = { name: weightsKey(w), path: local?.path ?? ownPath(w), present: Boolean(local), where: local?.where ?? null, url: w.url, file: w.file };
      results.push(r);
      if (!argv.json) {
        out(r.path + '\n');
        if (!local) process.stderr.write(`${r.name}: not on this machine yet; \`lkrobust weights download ${r.name}\` fetches ${w.url}, or put ${w.file} at the path above${w.notes ? ` (${w.notes})` : ''}\n`);
      }
      continue;
    }
    const r = await ensureWeights(w, { ...downloadReporter(weightsKey(w), { json: argv.json }), download: argv.action === 'download' });
    const row = { name: weightsKey(w), path: r.path, sha256: r.sha256, where: r.where, verification: r.verification, top1: w.top1 };
    results.push(row);
    if (!argv.json) out(`${row.name}: ${row.path}\n  sha256 ${row.sha256} (${describeVerification(r.verification)}; ${r.where})\n`);
  }
  if (argv.json) out(JSON.stringify(results, null, 2) + '\n');
  return results;
}

function describeVerification(v: string): string {
  return {
    'publisher-sha256': 'matches the stated sha256',
    'name-prefix': "matches the hash in the publisher's file name",
    'hf-lfs': "matches Hugging Face's LFS sha256",
    recorded: 'matches the sha256 recorded at its first download',
    'recorded-now': 'no hash published: recorded now, checked from now on',
  }[v] ?? v;
}

export const weightsCommand = {
  command: 'weights <action> [names..]',
  describe: 'Official checkpoints by name: list them, download (resumable, verified), verify, or say where a file is or goes',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['list', 'download', 'verify', 'path'] as const, describe: 'list: every official checkpoint; download: fetch (or find) and verify; verify: check the copy on this machine; path: where it is, or where to put it by hand' })
      .positional('names', { type: 'string', array: true, default: [], describe: 'NAME or NAME:TAG (list: an optional model filter)' })
      .option('model', { type: 'string', describe: 'list: only this model' })
      .option('json', { type: 'boolean', default: false, describe: 'machine-readable output; no progress bar' })
      .epilogue(
        'Looked up first, with no request: $TORCH_HOME/hub/checkpoints (default ~/.cache/torch), the Hugging Face cache ' +
          '($HF_HUB_CACHE, $HF_HOME/hub, default ~/.cache/huggingface/hub), then ours ($LKR_HOME/weights, default ~/.cache/lkrobust/weights). ' +
          'Downloads resume after a dropped connection, retry with back-off, honour HTTPS_PROXY/HTTP_PROXY/NO_PROXY, and are refused when the ' +
          "bytes are an HTML/JSON page or differ from the publisher's hash. $LKR_WEIGHTS_INDEX names a JSON list of extra or replacing entries (a mirror).",
      )
      .example('$0 weights list', 'every official checkpoint, its top-1 and source')
      .example('$0 weights download resnet50 convnext_base:fb_in22k_ft_in1k', 'fetch two, verified')
      .example('$0 weights path replknet_31b', 'where to put a file downloaded by hand (Google Drive)')
      .example('$0 eval --model resnet50 --weights official --benchmark imagenet-c --data ~/data/imagenet-c', 'the same names work as --weights on every model command'),
  handler: async (argv: WeightsArgs) => {
    await weightsMain(argv);
  },
};
