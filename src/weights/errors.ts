// Named errors of the weights layer: each says what failed, the URL or file involved and what to do next.
export type WeightsErrorCode =
  | 'LKR_WEIGHTS_UNKNOWN' // no such model or tag
  | 'LKR_WEIGHTS_HTTP' // the server answered with an error status (404, 403, ...)
  | 'LKR_WEIGHTS_OFFLINE' // no connection after every retry
  | 'LKR_WEIGHTS_NOT_CHECKPOINT' // an HTML or JSON page where a checkpoint was expected
  | 'LKR_WEIGHTS_HASH' // the bytes differ from the hash the publisher states (or the one recorded)
  | 'LKR_WEIGHTS_LOCK' // another process held the download lock for too long
  | 'LKR_WEIGHTS_INDEX'; // a malformed LKR_WEIGHTS_INDEX file

export class WeightsError extends Error {
  readonly code: WeightsErrorCode;
  constructor(code: WeightsErrorCode, message: string) {
    super(message);
    this.name = 'WeightsError';
    this.code = code;
  }
}
