// Checkpoint errors: each names the file and the problem; nothing from a refused file is ever executed.
import { LkrError } from '../../util/lkr_error.js';

export type CheckpointErrorCode =
  | 'LKR_CKPT_FORMAT' // not a file we can read (bad magic, corrupt header)
  | 'LKR_CKPT_TRUNCATED' // shorter than its own directory says
  | 'LKR_CKPT_UNSAFE' // a pickle asking for code (os.system, builtins.eval, ...)
  | 'LKR_CKPT_DTYPE' // a tensor dtype we cannot use
  | 'LKR_CKPT_KEYS' // missing, unexpected or mis-shaped keys for a model
  | 'LKR_CKPT_VIEW' // a tensor view PyTorch's as_strided refuses (negative stride, outside its storage, ...)
  | 'LKR_CKPT_LIMIT'; // past a safety bound: nesting depth, inflated size, element count

export class CheckpointError extends LkrError {
  declare readonly code: CheckpointErrorCode;
  constructor(code: CheckpointErrorCode, message: string) {
    super(code, message);
    this.name = 'CheckpointError';
  }
}
