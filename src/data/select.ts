// Choosing part of a dataset's item list, deterministically.
//   limit: keep n items spread evenly over the sorted list (item ⌊j·N/n⌋ for j = 0..n−1), so a small limit
//          still covers every class of a class-sorted dataset; 'head' keeps the first n instead.
//   shard i/n (0-based i): strided — item j goes to shard j mod n. Class-sorted lists then give every shard
//          the same mix of classes and sizes differing by at most one; the union of the n shards is the
//          whole list and they are disjoint.
//   selectItems applies the limit first, then the shard, so sharding a limited run splits exactly that run.

export type LimitMode = 'spread' | 'head';

export interface Shard {
  /** 0-based shard index, < count. */
  index: number;
  count: number;
}

/** Parses "i/n" (0 ≤ i < n): "0/4" is the first of four shards. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : null;
  if (!shard || shard.count < 1 || shard.index >= shard.count) {
    throw new RangeError(`shard: expected "i/n" with 0 ≤ i < n (0-based, e.g. "0/4"), received "${text}"`);
  }
  return shard;
}

function checkShard(s: Shard): void {
  if (!Number.isInteger(s.index) || !Number.isInteger(s.count) || s.count < 1 || s.index < 0 || s.index >= s.count) {
    throw new RangeError(`shard: expected 0 ≤ index < count, received ${s.index}/${s.count}`);
  }
}

/** The items of shard `index` of `count`: positions index, index+count, index+2·count, … */
export function shardItems<T>(items: readonly T[], shard: Shard): T[] {
  checkShard(shard);
  const out: T[] = [];
  for (let j = shard.index; j < items.length; j += shard.count) out.push(items[j]);
  return out;
}

/** At most `limit` items, in their original order ('spread' by default, see the header). */
export function limitItems<T>(items: readonly T[], limit: number, mode: LimitMode = 'spread'): T[] {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit: expected an integer ≥ 0, received ${limit}`);
  const n = items.length;
  if (limit >= n) return [...items];
  if (mode === 'head') return items.slice(0, limit);
  const out: T[] = [];
  for (let j = 0; j < limit; j++) out.push(items[Math.floor((j * n) / limit)]);
  return out;
}

/**
 * `limitItems` applied within each group (e.g. each ImageNet-C corruption × severity, or each IN-9
 * variation), keeping the original order of the items. `key` names an item's group.
 */
export function limitPerGroup<T>(items: readonly T[], limit: number, key: (item: T) => string, mode: LimitMode = 'spread'): T[] {
  const groups = new Map<string, number[]>();
  items.forEach((it, i) => {
    const k = key(it);
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  });
  const keep = new Set<number>();
  for (const idx of groups.values()) for (const i of limitItems(idx, limit, mode)) keep.add(i);
  return items.filter((_, i) => keep.has(i));
}

export interface SelectOptions<T> {
  limit?: number;
  limitMode?: LimitMode;
  /** Apply the limit per group (see limitPerGroup) instead of over the whole list. */
  groupKey?: (item: T) => string;
  shard?: Shard | string;
}

/** Limit (overall or per group), then shard. */
export function selectItems<T>(items: readonly T[], opts: SelectOptions<T> = {}): T[] {
  let out: T[] = [...items];
  if (opts.limit !== undefined) {
    out = opts.groupKey ? limitPerGroup(out, opts.limit, opts.groupKey, opts.limitMode) : limitItems(out, opts.limit, opts.limitMode);
  }
  if (opts.shard !== undefined) out = shardItems(out, typeof opts.shard === 'string' ? parseShard(opts.shard) : opts.shard);
  return out;
}
