// Checkpoint errors: each names the file and the problem; nothing from a refused file is ever executed.
export type CheckpointErrorCode =
  | 'LKR_CKPT_FORMAT' // not a file we can read (bad magic, corrupt header)
  | 'LKR_CKPT_TRUNCATED' // shorter than its own directory says
  | 'LKR_CKPT_UNSAFE' // a pickle asking for code (os.system, builtins.eval, ...)
  | 'LKR_CKPT_DTYPE' // a tensor dtype we cannot use
  | 'LKR_CKPT_KEYS'; // missing, unexpected or mis-shaped keys for a model

export class CheckpointError extends Error {
  code: CheckpointErrorCode;
  constructor(code: CheckpointErrorCode, message: string) {
    super(message);
    this.name = 'CheckpointError';
    this.code = code;
  }
}
