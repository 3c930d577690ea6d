// `lkrobust data fashion-mnist`: a real dataset that works offline, written as a training image folder.
import type { Argv } from 'yargs';

import { FASHION_MNIST_DIR, writeFashionMnist } from '../../train/fashion_mnist.js';
import { Progress } from '../progress.js';

export interface DataArgs {
  dataset: string;
  out: string;
  size: number;
  source: string;
  limitPerClass: number;
}

export const dataCommand = {
  command: 'data <dataset>',
  describe: 'Write a dataset as a training image folder (train/<class>/, val/<class>/): fashion-mnist',
  builder: (y: Argv) =>
    y
      .positional('dataset', { type: 'string', choices: ['fashion-mnist'], describe: 'the dataset', demandOption: true })
      .option('out', { type: 'string', demandOption: true, describe: 'folder to write (train/ and val/ inside)' })
      .option('size', { type: 'number', default: 28, describe: 'image side in pixels (28 = as stored; other sizes are a bilinear resize)' })
      .option('source', { type: 'string', default: FASHION_MNIST_DIR, describe: 'folder holding the four gzip IDX files (Debian: dataset-fashion-mnist)' })
      .option('limit-per-class', { type: 'number', default: 0, describe: 'at most this many images per class and split (0 = all)' })
      .example('$0 data fashion-mnist --out data/fmnist', '60 000 train and 10 000 val PNGs, 28×28 RGB')
      .example('$0 data fashion-mnist --out /tmp/fm32 --size 32 --limit-per-class 100', 'a small 32×32 slice'),
  handler: async (argv: DataArgs) => {
    if (!Number.isInteger(argv.size) || argv.size < 8 || argv.size > 512) {
      throw Object.assign(new RangeError(`--size: expected an integer in 8..512, received ${argv.size}`), { code: 'LKR_ARG' });
    }
    for (const split of ['train', 'val'] as const) {
      const bar = new Progress(`fashion-mnist ${split}`);
      const t0 = Date.now();
      const n = await writeFashionMnist(argv.source, argv.out, split, argv.size, argv.limitPerClass, (done, total) =>
        bar.update({ done, total, rate: done / Math.max((Date.now() - t0) / 1000, 1e-3) }),
      );
      process.stderr.write(`fashion-mnist: ${n} ${split} images written under ${argv.out}/${split}\n`);
    }
  },
};
