// The one error family for refused inputs: a stable `code` (LKR_CKPT_*, LKR_NPY_*, LKR_IMAGE, LKR_DATA_*, ...)
// and a message that names the file, what was expected and what was found. The CLI prints these as they are,
// never with a stack trace: they describe the user's input, not a bug in lkrobust.
export class LkrError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LkrError';
  }
}

/** True for any error that carries an LKR_ code (LkrError, or an older class with a `code` field). */
export function isNamedError(e: unknown): e is Error & { code: string } {
  return e instanceof Error && /^LKR_/.test(String((e as Error & { code?: unknown }).code ?? ''));
}
