// A run folder that survives being killed: finished batches are appended to a JSONL journal (one line each,
// flushed before the next batch starts), results are written atomically (temp file + rename), and a rerun
// with the same configuration resumes from the journal. A rerun with a different configuration is refused.
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class RunDirError extends Error {
  readonly code = 'LKR_RUN_DIR';
  constructor(message: string) {
    super(message);
    this.name = 'RunDirError';
  }
}

export interface JournalLine<R> {
  batch: number;
  records: R[];
  failed: { path: string; error: string }[];
}

export class RunDir<R> {
  readonly dir: string;
  private readonly journal: string;

  /** Opens (or creates) `dir` for a run whose identity is `config`; refuses a folder made by another config. */
  constructor(dir: string, config: unknown) {
    this.dir = dir;
    this.journal = path.join(dir, 'journal.jsonl');
    mkdirSync(dir, { recursive: true });
    const cfgFile = path.join(dir, 'run-config.json');
    const text = JSON.stringify(config, null, 2);
    if (existsSync(cfgFile)) {
      const old = readFileSync(cfgFile, 'utf8');
      if (old !== text) {
        throw new RunDirError(
          `${dir} holds a run with a different configuration (see ${cfgFile}); use another --out, or delete the folder to start over`,
        );
      }
    } else {
      writeAtomic(cfgFile, text);
    }
  }

  /** Finished batches from earlier runs. A last line cut short by a kill is ignored (that batch is redone). */
  done(): Map<number, JournalLine<R>> {
    const out = new Map<number, JournalLine<R>>();
    if (!existsSync(this.journal)) return out;
    const lines = readFileSync(this.journal, 'utf8').split('\n');
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const j = JSON.parse(line) as JournalLine<R>;
        if (typeof j.batch === 'number' && Array.isArray(j.records)) out.set(j.batch, j);
      } catch {
        // a partial trailing line from an interrupted write
      }
    }
    return out;
  }

  /** Appends one finished batch and flushes it to disk before returning. */
  append(line: JournalLine<R>): void {
    const fd = openSync(this.journal, 'a');
    try {
      // Start on a fresh line even if a killed run left a partial one behind.
      appendFileSync(fd, '\n' + JSON.stringify(line) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  write(name: string, content: string): string {
    const file = path.join(this.dir, name);
    writeAtomic(file, content);
    return file;
  }
}

export function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}
