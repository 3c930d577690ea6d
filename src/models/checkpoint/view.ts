// Tensor views checked as PyTorch's as_strided checks them (aten/src/ATen/native/TensorShape.cpp
// setStrided and checkInBoundsForStorage): one stride per dimension, no negative size, stride or storage
// offset, and every element the view can reach inside its storage. Anything else is refused by name rather
// than read from the wrong place.
import { CheckpointError } from './errors.js';
import type { TensorRef } from './unpickler.js';

/** Most elements one gathered view may hold beyond its storage's own count (a broadcast, stride-0 view). */
export const MAX_BROADCAST_ELEMENTS = 1 << 24;

/** The view's element count, after checking it can be read from a storage of `storageNumel` elements. */
export function checkView(ref: TensorRef, storageNumel: number, file: string, name: string): number {
  const { size, stride, offset } = ref;
  const refuse = (why: string) => new CheckpointError('LKR_CKPT_VIEW', `${file}: tensor "${name}": ${why} (PyTorch refuses this view too)`);
  if (size.length !== stride.length) throw refuse(`${size.length} sizes but ${stride.length} strides`);
  if (offset < 0) throw refuse(`negative storage offset ${offset}`);
  if (size.some((d) => d < 0)) throw refuse(`negative size in [${size}]`);
  if (stride.some((s) => s < 0)) throw refuse(`negative stride in [${stride}]`);
  let count = 1;
  for (const d of size) count *= d;
  if (count === 0) return 0;
  // The furthest element reached; doubles stay exact here because each term is checked against the storage.
  let last = offset;
  for (let i = 0; i < size.length; i++) last += (size[i] - 1) * stride[i];
  if (!Number.isSafeInteger(last) || last >= storageNumel) {
    throw refuse(`size [${size}], stride [${stride}] and offset ${offset} reach element ${last}, but the storage holds ${storageNumel}`);
  }
  if (!Number.isSafeInteger(count) || count > Math.max(storageNumel, MAX_BROADCAST_ELEMENTS)) {
    throw new CheckpointError('LKR_CKPT_LIMIT', `${file}: tensor "${name}" of size [${size}] would hold ${count} elements from a storage of ${storageNumel}`);
  }
  return count;
}
