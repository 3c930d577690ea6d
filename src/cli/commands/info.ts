// `lkrobust info`: what this build can use on this machine.
import type { Argv } from 'yargs';

import { engineInfo } from '../../native.js';
import { version } from '../../version.js';

export function infoReport() {
  const engine = engineInfo();
  return { package: 'lkrobust', version, node: process.version, ...engine };
}

export const infoCommand = {
  command: 'info',
  describe: 'Show the package version and the backends available here (CPU ISA and threads, oneDNN, CUDA devices)',
  builder: (y: Argv) =>
    y.option('json', { type: 'boolean', default: false, describe: 'Print one JSON object instead of text' }).example(
      '$0 info --json',
      'machine-readable backends, e.g. for a job script',
    ),
  handler: (argv: { json: boolean }) => {
    const r = infoReport();
    if (argv.json) {
      process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      return;
    }
    const lines = [
      `lkrobust ${r.version} (node ${r.node})`,
      `cpu:  ${r.cpu.isa} (detected ${r.cpu.isa_detected}), ${r.cpu.threads} thread(s), oneDNN ${r.cpu.onednn}, depthwise kernels ${r.cpu.dwconv_isa}`,
      r.cuda.compiled
        ? `cuda: compiled (runtime ${r.cuda.runtime}, sm ${r.cuda.architectures}), ${r.cuda.devices.length} device(s)`
        : 'cuda: not compiled in this build (rebuild with LKR_CUDA=ON on a machine with nvcc)',
      ...r.cuda.devices.map(
        (d) => `  cuda:${d.index} ${d.name} (sm ${d.compute_capability}, ${(d.memory_bytes / 2 ** 30).toFixed(1)} GiB)`,
      ),
      `ops:  ${r.ops}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  },
};
