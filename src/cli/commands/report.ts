// `lkrobust report DIR` and `lkrobust plot a.json b.json ...`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Argv } from 'yargs';

import { reportHtml } from '../../report/html.js';
import { figuresFor, renderSvg, svgToPng, type ResultsFile } from '../../report/plots.js';

export const reportCommand = {
  command: 'report <dir>',
  describe: 'Write one self-contained HTML page with every table and plot of the results.json files under DIR',
  builder: (y: Argv) =>
    y
      .positional('dir', { type: 'string', describe: 'a run folder, or a folder of run folders' })
      .option('out', { type: 'string', describe: 'the HTML file (default DIR/report.html)' }),
  handler: async (argv: { dir: string; out?: string }) => {
    const { html, files, figures } = await reportHtml(argv.dir);
    if (files === 0) throw new RangeError(`${argv.dir}: no results.json found under it`);
    const out = argv.out ?? path.join(argv.dir, 'report.html');
    writeFileSync(out, html);
    process.stdout.write(`wrote ${out}: ${files} result file(s), ${figures} figure(s)\n`);
  },
};

export const plotCommand = {
  command: 'plot <files..>',
  describe: 'Plot one or more results.json files (several models of one kind share a plot) as SVG and PNG',
  builder: (y: Argv) =>
    y
      .positional('files', { type: 'string', array: true, describe: 'results.json files' })
      .option('out', { type: 'string', default: 'plots', describe: 'output folder' })
      .option('png', { type: 'boolean', default: true, describe: 'also write PNG (through sharp)' }),
  handler: async (argv: { files: string[]; out: string; png: boolean }) => {
    const results = argv.files.map((f) => {
      try {
        return JSON.parse(readFileSync(f, 'utf8')) as ResultsFile;
      } catch (e) {
        throw new RangeError(`${f}: not a readable results.json (${(e as Error).message})`);
      }
    });
    const figs = figuresFor(results);
    if (!figs.length) throw new RangeError('nothing to plot in these files (no known benchmark, attack or analysis results)');
    mkdirSync(argv.out, { recursive: true });
    for (const f of figs) {
      const svg = await renderSvg(f.spec);
      writeFileSync(path.join(argv.out, `${f.id}.svg`), svg);
      if (argv.png) writeFileSync(path.join(argv.out, `${f.id}.png`), await svgToPng(svg));
      process.stdout.write(`wrote ${path.join(argv.out, f.id)}.svg${argv.png ? ' + .png' : ''}\n`);
    }
  },
};
