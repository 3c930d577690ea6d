// Fashion-MNIST (Zalando, MIT licence) from Debian's dataset-fashion-mnist: the four gzip IDX files, written
// out as an image folder (<out>/train/<class>/, <out>/val/<class>/ from the 10 000 test images), grayscale
// expanded to RGB by copying the value into R, G and B as PIL's convert('RGB') does.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import sharp from 'sharp';

import { readIdx } from '../data/idx.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_PACKAGE = 'dataset-fashion-mnist';
/** Class folder names, numbered so that sorted order is the label order. */
export const FASHION_MNIST_CLASSES = ['0-tshirt-top', '1-trouser', '2-pullover', '3-dress', '4-coat', '5-sandal', '6-shirt', '7-sneaker', '8-bag', '9-ankle-boot'];

const FILES = {
  train: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'],
  val: ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
} as const;

export class DatasetMissingError extends Error {
  readonly code = 'LKR_DATASET_MISSING';
}

export function fashionMnistSplit(dir: string, split: 'train' | 'val'): { images: Uint8Array; labels: Uint8Array; n: number } {
  const [imgFile, labFile] = FILES[split].map((f) => path.join(dir, f));
  for (const f of [imgFile!, labFile!]) {
    if (!existsSync(f)) {
      throw new DatasetMissingError(`${f} not found: install Debian's ${FASHION_MNIST_PACKAGE} (sudo apt-get install ${FASHION_MNIST_PACKAGE}) or pass --source DIR holding the four IDX files`);
    }
  }
  const img = readIdx(imgFile!);
  const lab = readIdx(labFile!);
  if (img.shape.length !== 3 || img.shape[1] !== 28 || img.shape[2] !== 28) {
    throw new RangeError(`${imgFile}: expected images of shape (N, 28, 28), received [${img.shape}]`);
  }
  if (lab.shape.length !== 1 || lab.shape[0] !== img.shape[0]) {
    throw new RangeError(`${labFile}: expected ${img.shape[0]} labels, received shape [${lab.shape}]`);
  }
  for (const l of lab.data) if (l > 9) throw new RangeError(`${labFile}: label ${l} outside 0..9`);
  return { images: img.data, labels: lab.data, n: img.shape[0]! };
}

/** Writes one split as PNGs at size × size (bilinear resize when size is not 28); returns the image count. */
export async function writeFashionMnist(dir: string, out: string, split: 'train' | 'val', size: number, limitPerClass: number,
  onProgress?: (done: number, total: number) => void): Promise<number> {
  const { images, labels, n } = fashionMnistSplit(dir, split);
  for (const c of FASHION_MNIST_CLASSES) mkdirSync(path.join(out, split, c), { recursive: true });
  const counts = new Array<number>(10).fill(0);
  const todo: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (limitPerClass > 0 && counts[l]! >= limitPerClass) continue;
    counts[l]!++;
    todo.push(i);
  }
  const chunk = 64;
  for (let s = 0; s < todo.length; s += chunk) {
    await Promise.all(todo.slice(s, s + chunk).map(async (i) => {
      const gray = images.subarray(i * 784, (i + 1) * 784);
      const rgb = Buffer.alloc(784 * 3);
      for (let p = 0; p < 784; p++) rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = gray[p]!;
      let img = sharp(rgb, { raw: { width: 28, height: 28, channels: 3 } });
      if (size !== 28) img = img.resize(size, size, { fit: 'fill', kernel: 'linear' });
      const file = path.join(out, split, FASHION_MNIST_CLASSES[labels[i]!]!, `${String(i).padStart(5, '0')}.png`);
      await img.png({ compressionLevel: 6 }).toFile(file);
    }));
    onProgress?.(Math.min(todo.length, s + chunk), todo.length);
  }
  return todo.length;
}
