// Downloads against a local HTTP server on 127.0.0.1 serving generated checkpoints: redirects, a cut connection
// resumed with Range, hashes (wrong, file-name prefix, Hugging Face ETag), HTML refused, 404 named, offline,
// a proxy, and two processes downloading one file.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import t from 'tap';

import type { OfficialWeights } from '../../src/models/official_weights.js';
import { downloadFile } from '../../src/weights/download.js';
import { proxyFor } from '../../src/weights/http_get.js';
import { ensureWeights } from '../../src/weights/resolve.js';
import { sniffCheckpoint } from '../../src/weights/sniff.js';
import { checkpointBytes, isolatedEnv, tmpDir } from './fixtures.js';
import { sha256, startServer } from './server.js';

const CLI = path.resolve(new URL('../../dist/cli/main.js', import.meta.url).pathname);
const run = promisify(execFile);

const ck = checkpointBytes(300_000); // 1.2 MB
const fast = { retries: 3, backoffMs: 10 };

const server = await startServer();
t.teardown(() => server.close());

const entry = (o: Partial<OfficialWeights> & { url: string; file: string }): OfficialWeights => ({
  model: 'testnet', tag: 't1', default: true, publisher: 'test', licence: 'none', format: 'safetensors', hash: 'recorded', top1: null, top1Source: 'none', ...o,
});

t.test('a redirect chain (hub -> CDN) is followed to the file', async (t) => {
  server.routes.set('/hub/a.safetensors', { redirect: '/cdn1/a.safetensors' });
  server.routes.set('/cdn1/a.safetensors', { redirect: `${server.url}/cdn/a.safetensors` });
  server.routes.set('/cdn/a.safetensors', { body: ck });
  const dest = path.join(tmpDir(), 'a.safetensors');
  const r = await downloadFile(`${server.url}/hub/a.safetensors`, dest, fast);
  t.ok(readFileSync(dest).equals(ck), 'bytes identical');
  t.equal(r.sha256, sha256(ck));
  t.match(r.finalUrl, /\/cdn\/a\.safetensors$/);
  t.same(server.log.filter((l) => l.path.endsWith('a.safetensors')).map((l) => l.status), [302, 302, 200]);
});

t.test('a connection cut mid-file is resumed with Range; the final bytes are identical', async (t) => {
  server.routes.set('/cut.safetensors', { body: ck, cutAfter: 400_000 });
  const dest = path.join(tmpDir(), 'cut.safetensors');
  const retries: string[] = [];
  const r = await downloadFile(`${server.url}/cut.safetensors`, dest, { ...fast, onRetry: (_a, why) => retries.push(why) });
  t.ok(readFileSync(dest).equals(ck), 'bytes identical after the resume');
  t.equal(r.attempts, 2);
  t.equal(retries.length, 1, 'one retry');
  const ranges = server.log.filter((l) => l.path === '/cut.safetensors').map((l) => l.range ?? null);
  t.equal(ranges.length, 2);
  t.equal(ranges[0], null, 'the first request asked for everything');
  // The second asks for the rest only: from what arrived before the cut (at most the 400000 bytes sent).
  const from = Number(/^bytes=(\d+)-$/.exec(ranges[1] ?? '')?.[1]);
  t.ok(from > 0 && from <= 400_000, `resumed from byte ${from}`);
  t.notOk(existsSync(`${dest}.part`), 'no .part left');
});

t.test('a .part left by an earlier run is resumed', async (t) => {
  server.routes.set('/part.safetensors', { body: ck });
  const dest = path.join(tmpDir(), 'part.safetensors');
  writeFileSync(`${dest}.part`, ck.subarray(0, 123_457));
  const r = await downloadFile(`${server.url}/part.safetensors`, dest, fast);
  t.equal(r.resumedFrom, 123_457);
  t.ok(readFileSync(dest).equals(ck));
  t.same(server.log.filter((l) => l.path === '/part.safetensors').map((l) => l.range), ['bytes=123457-']);
});

t.test('a server that ignores Range: the download restarts from zero and is still right', async (t) => {
  server.routes.set('/norange.safetensors', { body: ck, noRange: true });
  const dest = path.join(tmpDir(), 'norange.safetensors');
  writeFileSync(`${dest}.part`, Buffer.alloc(1000, 7));
  await downloadFile(`${server.url}/norange.safetensors`, dest, fast);
  t.ok(readFileSync(dest).equals(ck));
});

t.test('a wrong hash is refused and the file is not kept', async (t) => {
  server.routes.set('/wrong.safetensors', { body: ck });
  const dest = path.join(tmpDir(), 'wrong.safetensors');
  await t.rejects(downloadFile(`${server.url}/wrong.safetensors`, dest, { ...fast, sha256: 'ab'.repeat(32) }), { code: 'LKR_WEIGHTS_HASH', message: /differs from the expected/ });
  t.notOk(existsSync(dest), 'no file under the name');
  t.notOk(existsSync(`${dest}.part`), 'no .part either');
});

t.test("torch.hub's rule: the sha256 must start with the hex in the file name", async (t) => {
  const good = `net-${sha256(ck).slice(0, 8)}.pth`;
  server.routes.set(`/m/${good}`, { body: ck });
  server.routes.set('/m/net-deadbeef.pth', { body: ck });
  const env = isolatedEnv(tmpDir());
  const ok = await ensureWeights(entry({ url: `${server.url}/m/${good}`, file: good, hash: 'name-prefix', format: 'pth' }), { ...fast, env });
  t.equal(ok.verification, 'name-prefix');
  const bad = entry({ tag: 't2', url: `${server.url}/m/net-deadbeef.pth`, file: 'net-deadbeef.pth', hash: 'name-prefix', format: 'pth' });
  await t.rejects(ensureWeights(bad, { ...fast, env }), { code: 'LKR_WEIGHTS_HASH', message: /does not start with deadbeef/ });
  t.notOk(existsSync(path.join(env.LKR_HOME!, 'weights', 'testnet', 't2', 'net-deadbeef.pth')));
});

t.test("Hugging Face: the LFS sha256 of the first hop's X-Linked-Etag is checked", async (t) => {
  server.routes.set('/timm/x/resolve/main/model.safetensors', { redirect: '/lfs/x', headers: { 'x-linked-etag': `"${sha256(ck)}"` } });
  server.routes.set('/lfs/x', { body: ck, headers: { etag: '"cdn-etag-not-a-hash"' } });
  const dest = path.join(tmpDir(), 'model.safetensors');
  const r = await downloadFile(`${server.url}/timm/x/resolve/main/model.safetensors`, dest, fast);
  t.equal(r.statedSha256, sha256(ck));
  server.routes.set('/timm/y/resolve/main/model.safetensors', { redirect: '/lfs/x', headers: { 'x-linked-etag': `"${'0'.repeat(64)}"` } });
  const dest2 = path.join(tmpDir(), 'model.safetensors');
  await t.rejects(downloadFile(`${server.url}/timm/y/resolve/main/model.safetensors`, dest2, fast), { code: 'LKR_WEIGHTS_HASH', message: /stated by the server/ });
  t.notOk(existsSync(dest2));
});

t.test('an HTML page served for a .pth is refused with a message that says so and names the URL', async (t) => {
  server.routes.set('/drive/ck.pth', { body: Buffer.from('<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title></head><body>...</body></html>' + ' '.repeat(200)), headers: { 'content-type': 'text/html; charset=utf-8' } });
  const dest = path.join(tmpDir(), 'ck.pth');
  const url = `${server.url}/drive/ck.pth`;
  const e = await downloadFile(url, dest, fast).catch((x: Error & { code?: string }) => x);
  t.equal((e as { code?: string }).code, 'LKR_WEIGHTS_NOT_CHECKPOINT');
  t.match((e as Error).message, 'an HTML page');
  t.match((e as Error).message, url);
  t.match((e as Error).message, 'Virus scan warning', 'quotes the page');
  t.notOk(existsSync(dest));
  t.notOk(existsSync(`${dest}.part`));
  server.routes.set('/api/ck.pth', { body: Buffer.from(JSON.stringify({ error: 'rate limited', detail: 'x'.repeat(100) })) });
  await t.rejects(downloadFile(`${server.url}/api/ck.pth`, path.join(tmpDir(), 'ck.pth'), fast), { code: 'LKR_WEIGHTS_NOT_CHECKPOINT', message: /a JSON document/ });
});

t.test('a 404 is named, with the URL and where to put the file by hand', async (t) => {
  const dest = path.join(tmpDir(), 'missing.pth');
  const url = `${server.url}/nothing/here.pth`;
  await t.rejects(downloadFile(url, dest, fast), { code: 'LKR_WEIGHTS_HTTP', message: new RegExp(`${url.replace(/[.]/g, '\\.')}: HTTP 404.*put it at ${dest.replace(/[.]/g, '\\.')}`) });
  t.equal(server.log.filter((l) => l.path === '/nothing/here.pth').length, 1, '4xx is not retried');
});

t.test('offline: a clear error naming the URL, the file and where to put it', async (t) => {
  const dead = await startServer();
  const url = `${dead.url}/ck.pth`;
  await dead.close();
  const dest = path.join(tmpDir(), 'ck.pth');
  await t.rejects(downloadFile(url, dest, { retries: 2, backoffMs: 5 }), { code: 'LKR_WEIGHTS_OFFLINE', message: new RegExp(`could not download .*ck\\.pth after 3 attempt.*put it at ${dest.replace(/[.]/g, '\\.')}`) });
});

t.test('HTTP_PROXY is honoured (absolute-URI request to the proxy); NO_PROXY exempts hosts', async (t) => {
  server.routes.set('/via-proxy.safetensors', { body: ck });
  const dest = path.join(tmpDir(), 'p.safetensors');
  // The target host does not exist: only the proxy (our server) can answer.
  await downloadFile('http://weights.invalid/via-proxy.safetensors', dest, { ...fast, env: { HTTP_PROXY: server.url } });
  t.ok(readFileSync(dest).equals(ck));
  t.ok(server.log.find((l) => l.path === '/via-proxy.safetensors')?.proxied, 'the proxy got the absolute URL');
  const env = { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost,.example.org' };
  t.equal(proxyFor(new URL('https://huggingface.co/x'), env)?.host, 'proxy:3128');
  t.equal(proxyFor(new URL('https://cdn.example.org/x'), env), null);
  t.equal(proxyFor(new URL('http://huggingface.co/x'), env), null, 'no HTTP_PROXY for http');
});

t.test('the checkpoint sniffer', async (t) => {
  t.ok(sniffCheckpoint(ck.subarray(0, 64)).ok, 'safetensors');
  t.ok(sniffCheckpoint(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0])).ok, 'zip (torch.save)');
  t.ok(sniffCheckpoint(Buffer.from([0x80, 0x02, 0x8a, 0x0a])).ok, 'legacy pickle');
  t.equal(sniffCheckpoint(Buffer.from('\n  <html>')).kind, 'html');
  t.equal(sniffCheckpoint(Buffer.from('{"error":1}')).kind, 'json');
});

t.test('two processes downloading one file give one intact file, fetched once', { skip: existsSync(CLI) ? false : 'dist not built (npm run build:ts)' }, async (t) => {
  const big = checkpointBytes(1_000_000, 7); // 4 MB, sent slowly so the two overlap
  server.routes.set('/slow/big.safetensors', { body: big, slowPieces: 20, slowPauseMs: 40 });
  const root = tmpDir();
  const index = path.join(root, 'index.json');
  writeFileSync(index, JSON.stringify([{ model: 'testnet', tag: 'big', url: `${server.url}/slow/big.safetensors`, file: 'big.safetensors', default: true }]));
  const env = isolatedEnv(root, { LKR_WEIGHTS_INDEX: index });
  const go = () => run(process.execPath, [CLI, 'weights', 'download', 'testnet:big', '--json'], { env });
  const [a, b] = await Promise.all([go(), go()]);
  const ra = JSON.parse(a.stdout)[0];
  const rb = JSON.parse(b.stdout)[0];
  t.equal(ra.path, rb.path);
  t.equal(ra.sha256, sha256(big));
  t.equal(rb.sha256, sha256(big));
  t.ok(readFileSync(ra.path).equals(big), 'one intact file');
  t.equal(server.log.filter((l) => l.path === '/slow/big.safetensors').length, 1, 'the body was fetched once: the second process waited on the lock');
  t.notOk(existsSync(`${ra.path}.lock`) || existsSync(`${ra.path}.part`), 'no lock or .part left');
  t.equal(a.stderr + b.stderr, '', '--json: no progress output');
});
