// Every CLI command, in the order `--help` lists them.
import { ablateCommand } from './ablate.js';
import { analyzeCommand } from './analyze.js';
import { attackCommand } from './attack.js';
import { benchCommand } from './bench.js';
import { convertCommand } from './convert.js';
import { corruptCommand } from './corrupt.js';
import { dataCommand } from './data.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { infoCommand } from './info.js';
import { mergeCommand } from './merge.js';
import { modelsCommand } from './models.js';
import { predictCommand } from './predict.js';
import { preprocessCommand } from './preprocess.js';
import { plotCommand, reportCommand } from './report.js';
import { suiteCommand } from './suite.js';
import { trainCommand } from './train.js';
import { weightsCommand } from './weights.js';

export const commands = [demoCommand, evalCommand, corruptCommand, mergeCommand, analyzeCommand, attackCommand, suiteCommand, trainCommand, ablateCommand, dataCommand, predictCommand, preprocessCommand, convertCommand, reportCommand, plotCommand, modelsCommand, weightsCommand, benchCommand, infoCommand];
