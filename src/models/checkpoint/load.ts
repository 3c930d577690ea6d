// Opening any supported checkpoint: .safetensors or PyTorch zip (.pth/.pt/.bin), then finding the state dict
// inside (nested `state_dict` / `model` / `model_ema` entries, `module.` prefixes).
import { readFileSync } from 'node:fs';

import { CheckpointError } from './errors.js';
import { isLegacyTorch, readLegacyPth, readPth } from './pth.js';
import { parseSafetensors } from './safetensors.js';
import type { StateDict } from './state_dict.js';
import { describe, type PyValue, type TensorRef } from './unpickler.js';
import { isZip } from './zip.js';

export interface LoadOptions {
  /** Which nested entry holds the weights; default: the first of state_dict, model, module, net, model_ema. */
  entry?: string;
}

const NESTED = ['state_dict', 'model', 'module', 'net', 'model_ema'];

export type CheckpointFormat = 'safetensors' | 'pytorch-zip' | 'pytorch-legacy';

export interface LoadedCheckpoint {
  format: CheckpointFormat;
  entry: string | null; // the nested key used, if any
  tensors: StateDict;
}

function isTensorRef(v: PyValue): v is TensorRef {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && (v as TensorRef).kind === 'tensor';
}

function looksLikeSafetensors(buf: Buffer): boolean {
  if (buf.length < 9) return false;
  const n = buf.readBigUInt64LE(0);
  return n > 1n && n < 100_000_000n && buf[8] === 0x7b; // '{'
}

/** The first keys of a dict, for messages (keys may be hostile: long, nested tuples). */
function keyList(m: Map<PyValue, PyValue>): string {
  const shown = [...m.keys()].slice(0, 20).map((k) => (typeof k === 'string' ? k : describe(k)));
  return shown.join(', ') + (m.size > 20 ? `, … (${m.size} keys)` : '');
}

function stripModulePrefix(sd: StateDict): StateDict {
  const keys = [...sd.keys()];
  if (keys.length === 0 || !keys.every((k) => k.startsWith('module.'))) return sd;
  return new Map([...sd].map(([k, v]) => [k.slice('module.'.length), v]));
}

export function loadCheckpointBuffer(buf: Buffer, file: string, opts: LoadOptions = {}): LoadedCheckpoint {
  if (looksLikeSafetensors(buf)) {
    return { format: 'safetensors', entry: null, tensors: stripModulePrefix(parseSafetensors(buf, file).tensors) };
  }
  if (!isLegacyTorch(buf) && !isZip(buf)) {
    throw new CheckpointError('LKR_CKPT_FORMAT', `${file}: not a .safetensors file or a PyTorch checkpoint (unknown magic)`);
  }
  const { root, tensor } = isLegacyTorch(buf) ? readLegacyPth(buf, file) : readPth(buf, file);
  if (!(root instanceof Map)) throw new CheckpointError('LKR_CKPT_FORMAT', `${file}: the checkpoint's top level is not a dict`);
  let dict: Map<PyValue, PyValue> = root;
  let entry: string | null = null;
  const hasTensors = (m: Map<PyValue, PyValue>) => [...m.values()].some(isTensorRef);
  if (opts.entry !== undefined) {
    const v = root.get(opts.entry);
    if (!(v instanceof Map)) {
      const keys = keyList(root);
      throw new CheckpointError('LKR_CKPT_KEYS', `${file}: no dict entry "${opts.entry}" (top-level keys: ${keys})`);
    }
    dict = v;
    entry = opts.entry;
  } else if (!hasTensors(root)) {
    const key = NESTED.find((k) => root.get(k) instanceof Map && hasTensors(root.get(k) as Map<PyValue, PyValue>));
    if (!key) {
      const keys = keyList(root);
      throw new CheckpointError('LKR_CKPT_KEYS', `${file}: no tensors found at the top level or under ${NESTED.join('/')} (keys: ${keys})`);
    }
    dict = root.get(key) as Map<PyValue, PyValue>;
    entry = key;
  }
  const tensors: StateDict = new Map();
  for (const [k, v] of dict) {
    if (!isTensorRef(v)) continue;
    if (typeof k !== 'string') throw new CheckpointError('LKR_CKPT_KEYS', `${file}: a tensor is keyed by ${describe(k)}, expected a string name`);
    tensors.set(k, tensor(v, k));
  }
  return { format: isLegacyTorch(buf) ? 'pytorch-legacy' : 'pytorch-zip', entry, tensors: stripModulePrefix(tensors) };
}

export function loadCheckpoint(file: string, opts: LoadOptions = {}): LoadedCheckpoint {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new CheckpointError('LKR_CKPT_FORMAT', `${file}: cannot read: ${(e as Error).message}`);
  }
  return loadCheckpointBuffer(buf, file, opts);
}
