// The bounded IDX reader: well-formed files (plain and gzip), every malformed length refused by name, and the
// real Fashion-MNIST files when Debian's dataset-fashion-mnist is installed.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import t from 'tap';

import { IdxError, parseIdx, readIdx } from '../../src/data/idx.js';
import { FASHION_MNIST_DIR, fashionMnistSplit } from '../../src/train/fashion_mnist.js';

function idx(shape: number[], values: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = 0x08;
  head[3] = shape.length;
  shape.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(values)]);
}

t.test('reads shape and values, plain and gzip', async (t) => {
  const b = idx([2, 3], [1, 2, 3, 4, 5, 6]);
  for (const buf of [b, gzipSync(b)]) {
    const a = parseIdx(buf);
    t.same(a.shape, [2, 3]);
    t.same(Array.from(a.data), [1, 2, 3, 4, 5, 6]);
  }
});

t.test('malformed files are refused with a named error', async (t) => {
  const cases: [string, Buffer, RegExp][] = [
    ['short', Buffer.from([0, 0]), /shorter than the 4-byte magic/],
    ['magic', Buffer.from([1, 0, 8, 1, 0, 0, 0, 0]), /two zero bytes/],
    ['type', Buffer.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), /not 0x08/],
    ['rank', Buffer.from([0, 0, 8, 0]), /rank 0/],
    ['header', Buffer.from([0, 0, 8, 2, 0, 0, 0, 1]), /truncated header/],
    ['body short', idx([2, 3], [1, 2, 3]), /needs 6 value bytes after the header, file has 3/],
    ['body long', idx([1, 2], [1, 2, 3]), /needs 2 value bytes/],
    ['huge', idx([65536, 65536], []), /holds more than/],
    ['gzip', Buffer.from([0x1f, 0x8b, 1, 2, 3]), /gzip data is corrupt/],
  ];
  for (const [name, buf, re] of cases) {
    let err: unknown = null;
    try {
      parseIdx(buf, name);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof IdxError && err.code === 'LKR_IDX' && re.test(err.message), `${name}: ${(err as Error | null)?.message}`);
  }
});

const have = existsSync(path.join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
t.test('the real Fashion-MNIST files', { skip: have ? false : 'dataset-fashion-mnist not installed (bash scripts/install-test-deps.sh)' }, async (t) => {
  const tr = fashionMnistSplit(FASHION_MNIST_DIR, 'train');
  const te = fashionMnistSplit(FASHION_MNIST_DIR, 'val');
  t.equal(tr.n, 60000);
  t.equal(te.n, 10000);
  const counts = new Array(10).fill(0);
  for (const l of tr.labels) counts[l]++;
  t.same(counts, new Array(10).fill(6000), '6000 training images per class');
  t.same(readIdx(path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz')).shape, [10000]);
});
