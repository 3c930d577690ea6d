// Training parity with PyTorch for a small resnet (issue 16, Done-when 1): see harness/parity.ts.
import { parityTest } from './harness/parity.js';

parityTest('resnet');
