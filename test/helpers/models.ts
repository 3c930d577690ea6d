// Skip reasons for tests of a registry model: false when the engine builds it, else why not (e.g. a family this
// build lacks), so a test can be skipped with the engine's own message.
import { Model } from '../../src/models/model.js';

export function modelUnavailable(name: string): string | false {
  try {
    new Model(name);
    return false;
  } catch (e) {
    return `${name}: ${(e as Error).message}`;
  }
}
