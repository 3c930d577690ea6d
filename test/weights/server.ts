// A local HTTP server on 127.0.0.1 for download tests: named routes with the behaviours that break downloads in
// the wild (redirect chains, a connection cut mid-file, HTML where a checkpoint should be, 404, slow bodies),
// HTTP Range support, and a log of every request. It stops by itself after `lifetimeMs` if a test forgets to.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Route {
  body?: Buffer;
  status?: number;
  headers?: Record<string, string>;
  /** Redirect to this path (or URL) with 302. */
  redirect?: string;
  /** Cut the connection after this many body bytes, on the first N full (non-Range) requests. */
  cutAfter?: number;
  cutTimes?: number;
  /** Send the body in this many pieces, pausing between them. */
  slowPieces?: number;
  slowPauseMs?: number;
  /** Ignore Range headers (answer 200 with the whole body). */
  noRange?: boolean;
}

export interface Logged {
  path: string;
  range?: string;
  status: number;
  proxied: boolean;
}

export interface TestServer {
  url: string;
  routes: Map<string, Route>;
  log: Logged[];
  close(): Promise<void>;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export async function startServer(lifetimeMs = 120_000): Promise<TestServer> {
  const routes = new Map<string, Route>();
  const log: Logged[] = [];
  const cuts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = http.createServer(async (req, res) => {
    const proxied = /^https?:\/\//.test(req.url ?? '');
    const p = proxied ? new URL(req.url!).pathname : (req.url ?? '/').split('?')[0];
    const r = routes.get(p);
    const range = req.headers.range;
    const entry: Logged = { path: p, ...(range ? { range } : {}), status: 0, proxied };
    log.push(entry);
    if (!r) {
      entry.status = 404;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (r.redirect) {
      entry.status = 302;
      res.writeHead(302, { location: r.redirect, ...(r.headers ?? {}) }).end();
      return;
    }
    const body = r.body ?? Buffer.alloc(0);
    let start = 0;
    const m = range && !r.noRange ? /bytes=(\d+)-/.exec(range) : null;
    if (m) start = Number(m[1]);
    if (m && start >= body.length) {
      entry.status = 416;
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    const status = r.status ?? (m ? 206 : 200);
    entry.status = status;
    res.writeHead(status, {
      'content-length': String(body.length - start),
      'accept-ranges': 'bytes',
      ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
      'content-type': 'application/octet-stream',
      ...(r.headers ?? {}),
    });
    const rest = body.subarray(start);
    const done = cuts.get(p) ?? 0;
    if (r.cutAfter !== undefined && !m && done < (r.cutTimes ?? 1)) {
      cuts.set(p, done + 1);
      res.write(rest.subarray(0, r.cutAfter), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    const pieces = r.slowPieces ?? 1;
    const size = Math.ceil(rest.length / pieces);
    for (let i = 0; i < pieces; i++) {
      if (res.destroyed) return;
      res.write(rest.subarray(i * size, (i + 1) * size));
      if (i < pieces - 1) await new Promise((t) => setTimeout(t, r.slowPauseMs ?? 50));
    }
    res.end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const timer = setTimeout(() => void close(), lifetimeMs);
  timer.unref();
  const close = () =>
    new Promise<void>((resolve) => {
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, routes, log, close };
}
