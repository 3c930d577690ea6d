// Training checkpoints in <out>/checkpoints: per epoch e, epoch-<e>.safetensors (the weights under the registry's
// keys, loadable by every command) and epoch-<e>.state.safetensors (optimiser state, EMA), then state.json naming
// the last complete epoch, written last and atomically: a kill at any moment leaves the previous epoch usable.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { readSafetensors, writeSafetensors } from '../models/checkpoint/index.js';
import type { Tensor } from '../native.js';

export interface TrainState {
  /** Epochs finished. */
  epoch: number;
  /** Optimiser steps taken. */
  step: number;
  /** Hash of every option that changes the result: a resume with other options is refused. */
  fingerprint: string;
  log: EpochLog[];
}

export interface EpochLog {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  valAcc: number | null;
  valLoss: number | null;
  lr: number;
  seconds: number;
  imagesPerSecond: number;
}

const KEEP = 2;

function toMap(t: Record<string, Tensor>): Map<string, { shape: number[]; data: Float32Array }> {
  return new Map(Object.entries(t).map(([k, v]) => [k, { shape: v.shape, data: v.data }]));
}

function writeTensorsAtomic(file: string, t: Record<string, Tensor>, meta: Record<string, string>): void {
  writeSafetensors(file + '.tmp', toMap(t), meta);
  renameSync(file + '.tmp', file);
}

export function checkpointDir(out: string): string {
  return path.join(out, 'checkpoints');
}

export function epochFile(out: string, epoch: number, kind: 'weights' | 'state'): string {
  const e = String(epoch).padStart(3, '0');
  return path.join(checkpointDir(out), kind === 'weights' ? `epoch-${e}.safetensors` : `epoch-${e}.state.safetensors`);
}

export function saveCheckpoint(out: string, state: TrainState, weights: Record<string, Tensor>, extra: Record<string, Tensor>,
  meta: Record<string, string>): void {
  mkdirSync(checkpointDir(out), { recursive: true });
  writeTensorsAtomic(epochFile(out, state.epoch, 'weights'), weights, { ...meta, epoch: String(state.epoch) });
  writeTensorsAtomic(epochFile(out, state.epoch, 'state'), extra, { epoch: String(state.epoch) });
  const json = path.join(checkpointDir(out), 'state.json');
  writeFileSync(json + '.tmp', JSON.stringify(state, null, 2) + '\n');
  renameSync(json + '.tmp', json);
  // Older epochs beyond the last KEEP are removed once the new one is committed.
  const old = state.epoch - KEEP;
  if (old >= 1) for (const k of ['weights', 'state'] as const) rmSync(epochFile(out, old, k), { force: true });
}

export interface LoadedCheckpoint {
  state: TrainState;
  weights: Record<string, Tensor>;
  extra: Record<string, Tensor>;
}

function fromFile(file: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of readSafetensors(file)) out[k] = { shape: v.shape, data: v.data! };
  return out;
}

/** The last committed checkpoint, or null when the run has none yet. */
export function loadCheckpoint(out: string): LoadedCheckpoint | null {
  const json = path.join(checkpointDir(out), 'state.json');
  if (!existsSync(json)) return null;
  const state = JSON.parse(readFileSync(json, 'utf8')) as TrainState;
  return { state, weights: fromFile(epochFile(out, state.epoch, 'weights')), extra: fromFile(epochFile(out, state.epoch, 'state')) };
}
