// Download progress on stderr: a redrawn bar with bytes, bytes/s and ETA on a terminal, a plain line every few
// seconds otherwise, nothing at all with --json (machines read stdout; stderr stays quiet).
import type { DownloadProgress } from '../weights/download.js';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function downloadReporter(label: string, opts: { json?: boolean } = {}) {
  const tty = Boolean(process.stderr.isTTY);
  let last = 0;
  let drew = false;
  return {
    onProgress(p: DownloadProgress) {
      if (opts.json) return;
      const now = Date.now();
      const done = p.total !== null && p.received >= p.total;
      if (!done && now - last < (tty ? 200 : 5000)) return;
      last = now;
      const pct = p.total ? (100 * p.received) / p.total : null;
      const left = p.total && p.bytesPerSecond > 0 ? (p.total - p.received) / p.bytesPerSecond : NaN;
      const text = `${label} ${mb(p.received)}${p.total ? ` / ${mb(p.total)} (${pct!.toFixed(1)}%)` : ''} ${mb(p.bytesPerSecond)}/s ETA ${eta(left)}`;
      if (tty) {
        const fill = pct === null ? 0 : Math.round((24 * pct) / 100);
        process.stderr.write(`\r[${'#'.repeat(fill)}${'.'.repeat(24 - fill)}] ${text}\u001b[K`);
        drew = true;
        if (done) {
          process.stderr.write('\n');
          drew = false;
        }
      } else {
        process.stderr.write(text + '\n');
      }
    },
    onWait() {
      if (!opts.json) process.stderr.write(`${label}: another lkrobust is downloading this file; waiting for it\n`);
    },
    onRetry(attempt: number, reason: string, delayMs: number) {
      if (drew) process.stderr.write('\n');
      drew = false;
      if (!opts.json) process.stderr.write(`${label}: ${reason}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s (resuming where it stopped)\n`);
    },
  };
}
