// Downloads one checkpoint safely: into `<file>.part` beside the target, resumed with an HTTP Range request
// after a dropped connection, retried with exponential back-off, checked (not HTML/JSON; the publisher's or
// the recorded sha256) and only then renamed into place, so the target name never holds a partial or wrong file.
// A lock file makes two processes downloading the same file safe. Progress: bytes, bytes/s.
import { createWriteStream, existsSync, mkdirSync, rmSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { WeightsError } from './errors.js';
import { sha256OfFile } from './hashes.js';
import { type Hop, httpGet, statedSha256 } from './http_get.js';
import { acquireLock } from './lock.js';
import { describeNotCheckpoint, sniffCheckpoint } from './sniff.js';

export interface DownloadProgress {
  received: number;
  total: number | null;
  bytesPerSecond: number;
}

export interface DownloadOptions {
  /** The full sha256 the file must have (publisher-stated or recorded). */
  sha256?: string;
  /** torch.hub's rule: the sha256 must start with these hex digits (from the file name). */
  sha256Prefix?: string;
  /** Attempts after the first (default $LKR_DOWNLOAD_RETRIES or 4). */
  retries?: number;
  /** First back-off delay, doubled per attempt, at most 30 s (default $LKR_DOWNLOAD_BACKOFF_MS or 1000). */
  backoffMs?: number;
  /** Give up on a connection silent for this long (default 30 s). */
  timeoutMs?: number;
  onProgress?: (p: DownloadProgress) => void;
  /** Called once when another process holds the lock and we wait for it. */
  onWait?: () => void;
  /** Called before each retry. */
  onRetry?: (attempt: number, reason: string, delayMs: number) => void;
  env?: NodeJS.ProcessEnv;
}

export interface DownloadResult {
  path: string;
  sha256: string;
  bytes: number;
  finalUrl: string;
  /** The sha256 the server stated (Hugging Face LFS ETag), if any. */
  statedSha256?: string;
  attempts: number;
  /** Bytes already on disk from an earlier, interrupted attempt or run. */
  resumedFrom: number;
  /** True when another process finished the file while we waited for the lock. */
  byOtherProcess: boolean;
}

class Transient extends Error {}
class HttpStatus extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_STREAM_PREMATURE_CLOSE', 'ECONNABORTED']);

function isTransient(e: unknown): boolean {
  if (e instanceof Transient) return true;
  if (e instanceof HttpStatus) return e.status >= 500 || e.status === 408 || e.status === 429;
  if (e instanceof WeightsError) return false;
  const code = (e as NodeJS.ErrnoException).code;
  return (code !== undefined && TRANSIENT_CODES.has(code)) || /aborted|socket hang up|no answer|timeout/i.test(String((e as Error).message));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sizeOf = (f: string) => (existsSync(f) ? statSync(f).size : 0);

interface Attempt {
  complete: boolean;
  hops: Hop[];
  finalUrl: string;
}

/** One GET into `part`, from where it stops (Range) or from the start when the server ignores Range. */
async function attemptInto(url: string, part: string, o: DownloadOptions, progress: (received: number, total: number | null) => void): Promise<Attempt> {
  const offset = sizeOf(part);
  const { response: res, hops, finalUrl } = await httpGet(url, offset > 0 ? { range: `bytes=${offset}-` } : {}, { timeoutMs: o.timeoutMs, env: o.env });
  const status = res.statusCode ?? 0;
  let start = 0;
  let total: number | null = null;
  if (status === 416) {
    res.resume();
    const m = /\/(\d+)\s*$/.exec(String(res.headers['content-range'] ?? ''));
    if (m && Number(m[1]) === offset) return { complete: true, hops, finalUrl };
    rmSync(part, { force: true });
    throw new Transient(`${url}: the partial file does not fit the server's (HTTP 416); starting over`);
  }
  if (status === 206) {
    const m = /bytes\s+(\d+)-(\d+)\/(\d+|\*)/.exec(String(res.headers['content-range'] ?? ''));
    if (!m || Number(m[1]) !== offset) {
      res.resume();
      rmSync(part, { force: true });
      throw new Transient(`${url}: the server resumed at the wrong offset; starting over`);
    }
    start = offset;
    total = m[3] === '*' ? null : Number(m[3]);
  } else if (status === 200) {
    const len = Number(res.headers['content-length']);
    total = Number.isFinite(len) && res.headers['content-length'] !== undefined ? len : null;
  } else {
    res.resume();
    throw new HttpStatus(status, `${url}: HTTP ${status} ${res.statusMessage ?? ''}`.trim());
  }
  const type = String(res.headers['content-type'] ?? '');
  let head = Buffer.alloc(0);
  let checked = start > 0; // the part's own start was checked when it was written
  let received = 0;
  const sniffer = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      received += chunk.length;
      progress(start + received, total);
      if (checked) return cb(null, chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length < 64) return cb();
      const s = sniffCheckpoint(head);
      if (!s.ok) return cb(new WeightsError('LKR_WEIGHTS_NOT_CHECKPOINT', describeNotCheckpoint(s, finalUrl === url ? url : `${url} (via ${finalUrl})`, type)));
      checked = true;
      const h = head;
      head = Buffer.alloc(0);
      cb(null, h);
    },
    flush(cb) {
      if (checked || !head.length) return cb();
      const s = sniffCheckpoint(head);
      if (!s.ok) return cb(new WeightsError('LKR_WEIGHTS_NOT_CHECKPOINT', describeNotCheckpoint(s, url, type)));
      cb(null, head);
    },
  });
  try {
    await pipeline(res, sniffer, createWriteStream(part, { flags: start > 0 ? 'a' : 'w' }));
  } catch (e) {
    if (e instanceof WeightsError) rmSync(part, { force: true });
    throw e;
  }
  const have = sizeOf(part);
  const complete = total !== null ? have === total : res.complete;
  return { complete, hops, finalUrl };
}

function check(sha: string, o: DownloadOptions, stated: string | undefined, url: string): string | null {
  const want = o.sha256 ?? stated;
  if (want && sha !== want.toLowerCase()) return `${url}: sha256 ${sha} differs from the expected ${want}${o.sha256 ? '' : ' (stated by the server)'}`;
  if (o.sha256Prefix && !sha.startsWith(o.sha256Prefix.toLowerCase())) return `${url}: sha256 ${sha} does not start with ${o.sha256Prefix}, the hash in the file's published name`;
  return null;
}

export async function downloadFile(url: string, dest: string, o: DownloadOptions = {}): Promise<DownloadResult> {
  const env = o.env ?? process.env;
  const retries = o.retries ?? Number(env.LKR_DOWNLOAD_RETRIES ?? 4);
  const backoff = o.backoffMs ?? Number(env.LKR_DOWNLOAD_BACKOFF_MS ?? 1000);
  mkdirSync(path.dirname(dest), { recursive: true });
  let waited = false;
  const lock = await acquireLock(`${dest}.lock`, {
    onWait: () => {
      waited = true;
      o.onWait?.();
    },
  });
  try {
    if (existsSync(dest)) {
      // Finished by another process while we waited (or earlier): checked like a fresh download.
      const sha = await sha256OfFile(dest);
      const bad = check(sha, o, undefined, dest);
      if (bad) throw new WeightsError('LKR_WEIGHTS_HASH', `${bad}; delete it to download again`);
      return { path: dest, sha256: sha, bytes: sizeOf(dest), finalUrl: url, attempts: 0, resumedFrom: 0, byOtherProcess: waited };
    }
    const part = `${dest}.part`;
    const resumedFrom = sizeOf(part);
    const t0 = Date.now();
    let lastTouch = 0;
    const progress = (received: number, total: number | null) => {
      const now = Date.now();
      if (now - lastTouch > 1000) {
        lock.touch();
        lastTouch = now;
      }
      o.onProgress?.({ received, total, bytesPerSecond: (received - resumedFrom) / Math.max((now - t0) / 1000, 1e-3) });
    };
    let attempts = 0;
    let stated: string | undefined;
    let finalUrl = url;
    for (;;) {
      attempts++;
      try {
        const a = await attemptInto(url, part, { ...o, env }, progress);
        stated ??= statedSha256(a.hops);
        finalUrl = a.finalUrl;
        if (a.complete) break;
        throw new Transient('the connection closed before the end of the file');
      } catch (e) {
        if (!isTransient(e)) {
          if (e instanceof HttpStatus) {
            throw new WeightsError('LKR_WEIGHTS_HTTP', `${e.message}. Nothing was kept; if you have the file, put it at ${dest}`);
          }
          throw e;
        }
        if (attempts > retries) {
          const kept = sizeOf(part);
          throw new WeightsError(
            'LKR_WEIGHTS_OFFLINE',
            `could not download ${url} after ${attempts} attempt(s): ${(e as Error).message}.` +
              (kept ? ` ${kept} bytes are kept in ${part}; rerun to resume.` : '') +
              ` Offline? Download ${path.basename(dest)} by hand and put it at ${dest}`,
          );
        }
        const delay = Math.min(30_000, backoff * 2 ** (attempts - 1));
        o.onRetry?.(attempts, (e as Error).message, delay);
        await sleep(delay);
      }
    }
    const sha = await sha256OfFile(part);
    const bad = check(sha, o, stated, url);
    if (bad) {
      rmSync(part, { force: true });
      throw new WeightsError('LKR_WEIGHTS_HASH', `${bad}. The file was not kept`);
    }
    renameSync(part, dest);
    return { path: dest, sha256: sha, bytes: sizeOf(dest), finalUrl, ...(stated ? { statedSha256: stated } : {}), attempts, resumedFrom, byOtherProcess: false };
  } finally {
    lock.release();
  }
}
