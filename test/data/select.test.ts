import t from 'tap';

import { classSubset, imagenet1kIndexOf, imagenet1kWnids, referenceDataPath } from '../../src/data/reference_data.js';
import { limitItems, limitPerGroup, parseShard, selectItems, shardItems } from '../../src/data/select.js';

const ten = Array.from({ length: 10 }, (_, i) => i);

t.test('shards are strided, disjoint, cover the list and differ by at most one', async (t) => {
  t.same(shardItems(ten, { index: 1, count: 3 }), [1, 4, 7]);
  t.same(shardItems(ten, { index: 0, count: 3 }), [0, 3, 6, 9]);
  const all = [0, 1, 2].flatMap((i) => shardItems(ten, { index: i, count: 3 })).sort((a, b) => a - b);
  t.same(all, ten);
  t.same(shardItems(ten, { index: 0, count: 1 }), ten);
  t.same(parseShard('2/4'), { index: 2, count: 4 });
  t.same(parseShard(' 0 / 1 '), { index: 0, count: 1 });
  t.throws(() => parseShard('4/4'), /0 ≤ i < n/);
  t.throws(() => parseShard('1-4'), /expected "i\/n"/);
  t.throws(() => shardItems(ten, { index: -1, count: 2 }), /0 ≤ index < count/);
});

t.test('limit spreads over the list by default, head on request', async (t) => {
  t.same(limitItems(ten, 3), [0, 3, 6]);
  t.same(limitItems(ten, 4), [0, 2, 5, 7]);
  t.same(limitItems(ten, 3, 'head'), [0, 1, 2]);
  t.same(limitItems(ten, 20), ten);
  t.same(limitItems(ten, 0), []);
  t.throws(() => limitItems(ten, 1.5), /integer/);
  const items = ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'c1'];
  t.same(limitPerGroup(items, 2, (s) => s[0]), ['a1', 'a3', 'b1', 'b2', 'c1']);
});

t.test('selectItems: limit first, then shard', async (t) => {
  t.same(selectItems(ten, { limit: 5, shard: '1/2' }), [2, 6]); // limit → 0,2,4,6,8 → shard 1/2
  t.same(selectItems(ten, {}), ten);
});

t.test('reference data loads and is consistent', async (t) => {
  const w = imagenet1kWnids();
  t.equal(w[0], 'n01440764');
  t.equal(w[999], 'n15075141');
  t.equal(imagenet1kIndexOf('n15075141'), 999);
  t.equal(imagenet1kIndexOf('cat'), undefined);
  t.same(classSubset('a').indices.slice(0, 5), [6, 11, 13, 15, 17]);
  t.same(classSubset('r').indices.slice(0, 5), [1, 2, 4, 6, 8]);
  t.equal(classSubset('o').wnids.length, 200);
  t.match(referenceDataPath('x.json'), /data\/x\.json$/);
});
