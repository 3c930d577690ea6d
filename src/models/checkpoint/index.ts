export { CheckpointError, type CheckpointErrorCode } from './errors.js';
export { loadCheckpoint, loadCheckpointBuffer, type LoadedCheckpoint, type LoadOptions } from './load.js';
export { encodeSafetensors, parseSafetensors, readSafetensors, writeSafetensors } from './safetensors.js';
export type { CheckpointTensor, StateDict } from './state_dict.js';
export { checkStateDict, type ExpectedParam, type KeyReport } from './keys.js';
