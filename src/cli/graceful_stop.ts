// Ctrl-C during a long run: the first press asks the run to stop after the current batch (what finished is in
// the run's journal or files, and rerunning the command resumes), a second press quits at once.
export interface GracefulStop {
  /** True once Ctrl-C was pressed. */
  requested: () => boolean;
  /** Removes the handler (the run is over). */
  release: () => void;
}

export function gracefulStop(log: (line: string) => void, unit = 'batch'): GracefulStop {
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    log(`lkrobust: stopping after the current ${unit} (Ctrl-C again to quit at once); rerun the same command to resume`);
  };
  process.on('SIGINT', onSigint);
  return { requested: () => stop, release: () => process.off('SIGINT', onSigint) };
}
