// Training parity with PyTorch for a small resnetv2 (issue 16, Done-when 1): see harness/parity.ts.
import { parityTest } from './harness/parity.js';

parityTest('resnetv2');
