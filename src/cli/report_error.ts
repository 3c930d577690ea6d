// What the CLI prints for an error that ends a command. Refused input (any LKR_* error), engine errors and
// argument errors are the user's to fix: their message and code, no stack. Anything else is a bug in lkrobust:
// a short line that asks for a report, with the stack only under --debug.
import { EngineError } from '../native.js';
import { isNamedError } from '../util/lkr_error.js';

const REPORT = 'this is a bug in lkrobust, please report it with the command you ran';

/** Node's own errors (ERR_OUT_OF_RANGE, ERR_BUFFER_TOO_LARGE, ...) and stack overflows are never meant for users. */
function isInternal(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return (typeof code === 'string' && code.startsWith('ERR_')) || /Maximum call stack size exceeded/.test(e.message);
}

export function formatError(e: unknown, debug: boolean): string {
  if (isNamedError(e)) return `lkrobust: ${e.message} [${e.code}]\n`;
  if (e instanceof Error && (e instanceof EngineError || ((e instanceof TypeError || e instanceof RangeError) && !isInternal(e)))) {
    return `lkrobust: ${e.message}\n`;
  }
  const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
  const detail = debug && e instanceof Error && e.stack ? `\n${e.stack}` : ' (run with --debug for the stack trace)';
  return `lkrobust: internal error: ${message}\n${REPORT}${detail}\n`;
}

/** --debug anywhere on the command line, or LKR_DEBUG=1. */
export function debugRequested(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--debug') || process.env.LKR_DEBUG === '1';
}
