// One GET with Node's own http/https: redirects followed (hub -> CDN), the proxy variables honoured
// (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, lower case too; https through a CONNECT tunnel), headers of every hop
// kept (Hugging Face states an LFS file's sha256 in the first hop's X-Linked-Etag, not the CDN's).
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import tls from 'node:tls';

export interface Hop {
  url: string;
  status: number;
  headers: http.IncomingHttpHeaders;
}

export interface GetResult {
  response: http.IncomingMessage;
  finalUrl: string;
  hops: Hop[];
}

const MAX_REDIRECTS = 10;

function envVar(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name] || env[name.toLowerCase()] || undefined;
}

/** The proxy URL for a target, or null (none set, or the host is in NO_PROXY). */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv = process.env): URL | null {
  const noProxy = envVar(env, 'NO_PROXY');
  if (noProxy) {
    const host = target.hostname.toLowerCase();
    for (const raw of noProxy.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
      if (raw === '*') return null;
      const [name] = raw.split(':');
      const bare = name.replace(/^\*?\./, '');
      if (host === bare || host.endsWith('.' + bare)) return null;
    }
  }
  const p = target.protocol === 'https:' ? (envVar(env, 'HTTPS_PROXY') ?? envVar(env, 'ALL_PROXY')) : (envVar(env, 'HTTP_PROXY') ?? envVar(env, 'ALL_PROXY'));
  if (!p) return null;
  try {
    return new URL(p.includes('://') ? p : `http://${p}`);
  } catch {
    return null;
  }
}

function proxyAuth(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(cred).toString('base64')}` };
}

/** A TLS socket to `target` through an HTTP CONNECT tunnel at `proxy`. */
function tunnel(proxy: URL, target: URL, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const port = target.port || '443';
    const req = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: 'CONNECT',
      path: `${target.hostname}:${port}`,
      headers: { host: `${target.hostname}:${port}`, ...proxyAuth(proxy) },
      timeout: timeoutMs,
    });
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(Object.assign(new Error(`proxy ${proxy.host} refused CONNECT ${target.host}: HTTP ${res.statusCode}`), { status: res.statusCode }));
        return;
      }
      resolve(tls.connect({ socket, servername: target.hostname }));
    });
    req.on('timeout', () => req.destroy(new Error(`proxy ${proxy.host}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function once(url: URL, headers: Record<string, string>, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<http.IncomingMessage> {
  const proxy = proxyFor(url, env);
  const base = { method: 'GET', headers: { 'user-agent': 'lkrobust', ...headers }, timeout: timeoutMs };
  let req: http.ClientRequest;
  if (url.protocol === 'http:') {
    req = proxy
      ? http.request({ ...base, host: proxy.hostname, port: proxy.port || 80, path: url.href, headers: { ...base.headers, host: url.host, ...proxyAuth(proxy) } })
      : http.request(url, base);
  } else if (url.protocol === 'https:') {
    if (proxy) {
      const socket = await tunnel(proxy, url, timeoutMs);
      req = https.request(url, { ...base, createConnection: () => socket as tls.TLSSocket });
    } else {
      req = https.request(url, base);
    }
  } else {
    throw new RangeError(`${url.href}: only http and https URLs can be downloaded`);
  }
  return new Promise((resolve, reject) => {
    req.on('response', resolve);
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.host} in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** GET `url`, following up to 10 redirects; the caller consumes (or destroys) the final response. */
export async function httpGet(url: string, headers: Record<string, string> = {}, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<GetResult> {
  const hops: Hop[] = [];
  let current = new URL(url);
  for (let i = 0; i <= MAX_REDIRECTS; i++) {
    const res = await once(current, headers, opts.timeoutMs ?? 30_000, opts.env ?? process.env);
    const status = res.statusCode ?? 0;
    hops.push({ url: current.href, status, headers: res.headers });
    if (status >= 300 && status < 400 && status !== 304 && res.headers.location) {
      res.resume();
      current = new URL(res.headers.location, current);
      continue;
    }
    return { response: res, finalUrl: current.href, hops };
  }
  throw Object.assign(new Error(`${url}: more than ${MAX_REDIRECTS} redirects`), { status: 310 });
}

/** The sha256 a Hugging Face hop states for an LFS file (X-Linked-Etag, else a 64-hex ETag), if any. */
export function statedSha256(hops: Hop[]): string | undefined {
  for (const h of hops) {
    for (const name of ['x-linked-etag', 'etag']) {
      const v = h.headers[name];
      const m = typeof v === 'string' ? /^(?:W\/)?"?([0-9a-f]{64})"?$/.exec(v.trim()) : null;
      if (m) return m[1];
    }
  }
  return undefined;
}
