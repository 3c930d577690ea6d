#!/usr/bin/env node
// The lkrobust command line: one module per command under ./commands, wired here.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

import { EngineError } from '../native.js';
import { version } from '../version.js';
import { commands } from './commands/index.js';

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
  const named = e instanceof Error && /^LKR_/.test(String((e as Error & { code?: unknown }).code ?? ''));
  if (e instanceof EngineError || e instanceof TypeError || e instanceof RangeError || named) {
    process.stderr.write(`lkrobust: ${e.message}\n`);
  } else {
    process.stderr.write(`lkrobust: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  }
  process.exit(1);
});
