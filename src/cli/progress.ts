// Progress for long work: a redrawn bar on a terminal, plain lines (at most every few seconds) otherwise.
export interface ProgressLine {
  done: number;
  total: number;
  rate: number; // items per second
  note?: string;
}

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return (h ? `${h}:${String(m).padStart(2, '0')}` : `${m}`) + `:${String(r).padStart(2, '0')}`;
}

export class Progress {
  private last = 0;
  private readonly tty: boolean;
  constructor(
    private readonly label: string,
    opts: { plain?: boolean } = {},
  ) {
    this.tty = Boolean(process.stderr.isTTY) && !opts.plain;
  }

  update(p: ProgressLine): void {
    const now = Date.now();
    const finished = p.done >= p.total;
    if (!finished && now - this.last < (this.tty ? 200 : 5000)) return;
    this.last = now;
    const pct = p.total ? (100 * p.done) / p.total : 100;
    const left = p.rate > 0 ? (p.total - p.done) / p.rate : NaN;
    const text = `${this.label} ${p.done}/${p.total} (${pct.toFixed(1)}%) ${p.rate.toFixed(1)} img/s ETA ${eta(left)}${p.note ? ' ' + p.note : ''}`;
    if (this.tty) {
      const width = 24;
      const fill = Math.round((width * pct) / 100);
      process.stderr.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${text}\u001b[K`);
      if (finished) process.stderr.write('\n');
    } else {
      process.stderr.write(text + '\n');
    }
  }

  end(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
