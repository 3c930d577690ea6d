// A suite cell: one `lkrobust eval | analyze | attack` invocation, held as its command line (so a cell runs
// exactly what its command runs, with the command's own defaults and checks), plus what the leaderboard needs.
export type CellKind = 'eval' | 'analyze' | 'attack';

export const DATA_KEYS = ['imagenet-val', 'imagenet-a', 'imagenet-r', 'imagenet-o', 'imagenet-c', 'imagenet-p', 'imagenet-9'] as const;
export type DataKey = (typeof DATA_KEYS)[number];

export interface Cell {
  /** Stable, folder-safe name, e.g. `eval.imagenet-c.resnet50@tv_in1k`. */
  id: string;
  kind: CellKind;
  /** eval: the benchmark; analyze: the analysis; attack: the attack. */
  what: string;
  /** Model specs (`name` or `name:tag`): one, or the transfer targets of an attack. */
  models: string[];
  surrogate?: string;
  /** Which data folders the cell reads (ImageNet-O also needs the val folder). */
  data: DataKey[];
  /** Command options beyond model, weights, data and out, as `--flag value` pairs (recorded in suite.json). */
  args: string[];
  /** Paper tables this cell feeds (preset paper). */
  tables: string[];
}

export const modelName = (spec: string) => spec.split(':')[0];
const safe = (s: string) => s.replace(/:/g, '@').replace(/[^A-Za-z0-9@._+-]/g, '_');

export function cellId(kind: CellKind, what: string, models: string[], surrogate?: string): string {
  return [kind, what, ...(surrogate ? [`from-${safe(surrogate)}`] : []), models.map(safe).join('+')].join('.');
}

/** Default settings of the grid's attacks: the paper's sweeps (REFERENCE §6.2-6.3). */
export const ATTACK_DEFAULT_ARGS: Record<string, string[]> = {
  fgsm: ['--eps', '0.1,0.2,0.3,0.4'],
  pgd: ['--eps', '0.002,0.004,0.006,0.008', '--steps', '5'],
  'taig-s': ['--eps', '0.03,0.06,0.1'],
  'taig-r': ['--eps', '0.03,0.06,0.1'],
};

/** Overrides given with `--set key=value` replace a cell's `--key` (or add it when the command has it). */
export function applyOverrides(args: string[], sets: Record<string, string>, accepts: (flag: string) => boolean): { args: string[]; changed: string[] } {
  const out = [...args];
  const changed: string[] = [];
  for (const [k, v] of Object.entries(sets)) {
    const flag = `--${k}`;
    if (!accepts(k)) continue;
    const i = out.indexOf(flag);
    if (i >= 0) out[i + 1] = v;
    else out.push(flag, v);
    changed.push(`${k}=${v}`);
  }
  return { args: out, changed };
}
