// AutoAttack (Croce & Hein 2020) on a batch: the versions as the reference names them, each attack run only on
// the images every earlier attack failed to break, robust accuracy after each. The dataset runner with its
// journal is ./autoattack_run.ts; the attacks are ./apgd.ts, ./fab.ts, ./square.ts.
import type { Tensor } from '../../native.js';
import { apgd, apgdTargeted, type AttackResult } from './apgd.js';
import { fabTargeted } from './fab.js';
import type { LossModel } from './loss_model.js';
import type { Norm } from './lp.js';
import { RANDOM_STREAMS, type RandomStream } from './random_start.js';
import { squareL2, squareLinf } from './square.js';

export const AA_ATTACKS = ['apgd-ce', 'apgd-dlr', 'apgd-t', 'fab-t', 'square'] as const;
export type AaAttack = (typeof AA_ATTACKS)[number];
export const AA_VERSIONS = ['standard', 'plus', 'rand', 'custom'] as const;
export type AaVersion = (typeof AA_VERSIONS)[number];

/** Every setting of a run, as the reference's set_version() (or its constructor defaults, for 'custom') fixes them. */
export interface AaConfig {
  version: AaVersion;
  norm: Norm;
  eps: number;
  seed: number;
  /** APGD's random starts: 'per-image' (default) or 'torch' (the reference's stream, ./random_start.ts). */
  randomStream: RandomStream;
  attacks: AaAttack[];
  apgd: { iterations: number; restarts: number; eotIter: number };
  apgdT: { iterations: number; restarts: number; targetClasses: number };
  fab: { iterations: number; restarts: number; targetClasses: number };
  square: { queries: number; pInit: number; restarts: number };
}

export interface AaOverrides {
  attacks?: AaAttack[];
  /** Iterations of APGD, APGD-T and FAB (reference 100). */
  iterations?: number;
  /** Square's queries (reference 5 000). */
  queries?: number;
  randomStream?: RandomStream;
}

export function autoAttackConfig(version: AaVersion, norm: Norm, eps: number, seed: number, o: AaOverrides = {}): AaConfig {
  if (version !== 'custom' && o.attacks) throw new RangeError(`--attacks: a list of attacks needs --version custom (version ${version} fixes its own list)`);
  if (version === 'custom' && !o.attacks?.length) throw new RangeError('--version custom: name the attacks with --attacks (e.g. apgd-ce,apgd-t)');
  for (const a of o.attacks ?? []) if (!AA_ATTACKS.includes(a)) throw new RangeError(`--attacks: unknown attack "${a}" (known: ${AA_ATTACKS.join(', ')})`);
  if (!(eps > 0) || !Number.isFinite(eps)) throw new RangeError(`--eps: expected a number > 0, received ${eps}`);
  if (o.randomStream !== undefined && !RANDOM_STREAMS.includes(o.randomStream)) throw new RangeError(`--random-stream: expected ${RANDOM_STREAMS.join(' or ')}, received ${o.randomStream}`);
  // The reference's constructor defaults ('custom' keeps them).
  const c: AaConfig = {
    version,
    norm,
    eps,
    seed,
    randomStream: o.randomStream ?? 'per-image',
    attacks: o.attacks ?? [],
    apgd: { iterations: 100, restarts: 5, eotIter: 1 },
    apgdT: { iterations: 100, restarts: 1, targetClasses: 9 },
    fab: { iterations: 100, restarts: 5, targetClasses: 9 },
    square: { queries: 5000, pInit: 0.8, restarts: 1 },
  };
  if (version === 'standard') {
    c.attacks = ['apgd-ce', 'apgd-t', 'fab-t', 'square'];
    c.apgd.restarts = 1;
  } else if (version === 'plus') {
    // The reference's 'plus' also runs untargeted FAB (5 restarts) after APGD-DLR; lkrobust has FAB-T only.
    c.attacks = ['apgd-ce', 'apgd-dlr', 'square', 'apgd-t', 'fab-t'];
    c.apgd.restarts = 5;
  } else if (version === 'rand') {
    c.attacks = ['apgd-ce', 'apgd-dlr'];
    c.apgd.restarts = 1;
    c.apgd.eotIter = 20;
  }
  // FAB-T always runs one restart per target class (the reference sets it so before running fab-t).
  c.fab.restarts = 1;
  if (o.iterations !== undefined) {
    if (!Number.isInteger(o.iterations) || o.iterations < 1) throw new RangeError(`--iterations: expected an integer ≥ 1, received ${o.iterations}`);
    c.apgd.iterations = c.apgdT.iterations = c.fab.iterations = o.iterations;
  }
  if (o.queries !== undefined) {
    if (!Number.isInteger(o.queries) || o.queries < 1) throw new RangeError(`--queries: expected an integer ≥ 1, received ${o.queries}`);
    c.square.queries = o.queries;
  }
  return c;
}

/**
 * One attack of the list on images x (all of them assumed robust so far). With `randomStream: 'torch'`, x is one
 * of the reference's batches: its APGD draws restart from torch.manual_seed(seed) on each call.
 */
export async function runAaAttack(model: LossModel, name: AaAttack, c: AaConfig, x: Tensor, labels: readonly number[], ids: readonly number[]): Promise<AttackResult> {
  const base = { norm: c.norm, eps: c.eps, seed: c.seed, ids };
  // Per-image streams get a salt per attack; the reference seeds every attack with the same seed.
  const apgdSeed = (salt: number) => (c.randomStream === 'torch' ? { seed: c.seed, randomStream: c.randomStream } : { seed: c.seed ^ salt });
  switch (name) {
    case 'apgd-ce':
    case 'apgd-dlr':
      return apgd(model, x, labels, { ...base, ...c.apgd, loss: name === 'apgd-ce' ? 'ce' : 'dlr', ...apgdSeed(name === 'apgd-ce' ? 0x1000 : 0x2000) });
    case 'apgd-t':
      return apgdTargeted(model, x, labels, { ...base, iterations: c.apgdT.iterations, restarts: c.apgdT.restarts, targetClasses: c.apgdT.targetClasses, eotIter: c.apgd.eotIter, ...apgdSeed(0x3000) });
    case 'fab-t':
      return fabTargeted(model, x, labels, { ...base, iterations: c.fab.iterations, restarts: c.fab.restarts, targetClasses: c.fab.targetClasses, seed: c.seed ^ 0x4000 });
    case 'square':
      return (c.norm === 'Linf' ? squareLinf : squareL2)(model, x, labels, { eps: c.eps, queries: c.square.queries, pInit: c.square.pInit, restarts: c.square.restarts, seed: c.seed ^ 0x5000, ids });
  }
}
