// A loaded checkpoint: name -> tensor. Float tensors are float32 (converted on load); other dtypes are kept
// only as a record, so a model that needs them as weights can say which key and which dtype.
import type { DType } from './dtypes.js';

export interface CheckpointTensor {
  shape: number[];
  dtype: DType; // as stored in the file
  data: Float32Array | null; // null for non-float dtypes
}

export type StateDict = Map<string, CheckpointTensor>;
