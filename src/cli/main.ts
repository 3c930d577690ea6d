#!/usr/bin/env node
// The lkrobust command line: one module per command under ./commands, wired here.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

import { version } from '../version.js';
import { commands } from './commands/index.js';
import { debugRequested, formatError } from './report_error.js';

// A closed pipe (`lkrobust models | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

async function main() {
  let cli = yargs(hideBin(process.argv))
    .scriptName('lkrobust')
    .version(version)
    .usage('$0 <command> [options]\n\nA fast, honest robustness lab for image classifiers.')
    .demandCommand(1, 'Name a command; `lkrobust --help` lists them.')
    .strict()
    .recommendCommands()
    .option('debug', { type: 'boolean', global: true, hidden: true, describe: 'print the stack trace of an internal error' })
    .help()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err, y) => {
      if (err) throw err;
      process.stderr.write(`${y.help()}\n\nlkrobust: ${msg}\n`);
      process.exit(2);
    });
  for (const c of commands) cli = cli.command(c as never);
  await cli.parseAsync();
}

main().catch((e: unknown) => {
  process.stderr.write(formatError(e, debugRequested()));
  process.exit(1);
});
