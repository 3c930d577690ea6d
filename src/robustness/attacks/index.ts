// Adversarial attacks (REFERENCE.md §6.2, §6.3, §8): FGSM, L∞ PGD, TAIG-S/-R, AutoAttack (APGD, FAB-T, Square),
// written against the small AttackModel interface; the dataset runner with journal/resume; hand-written JS models for checks.
export * from './common.js';
export * from './fgsm.js';
export * from './pgd.js';
export * from './taig.js';
export * from './run.js';
export * from './apgd.js';
export * from './fab.js';
export * from './square.js';
export * from './dlr.js';
export * from './lp.js';
export * from './loss_model.js';
export * from './checks.js';
export * from './autoattack.js';
export * from './autoattack_run.js';
export { LinearModel, TanhMlp } from './toy.js';
