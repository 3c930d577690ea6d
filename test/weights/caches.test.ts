// Checkpoints a user already has are found in the PyTorch hub and Hugging Face cache layouts without any
// request, and checked: the torch.hub file-name hash, the HF blob name (its LFS sha256), or the recorded hash.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import t from 'tap';

import type { OfficialWeights } from '../../src/models/official_weights.js';
import { findWeights } from '../../src/weights/catalog.js';
import { ensureWeights } from '../../src/weights/resolve.js';
import { checkpointBytes, isolatedEnv, tmpDir } from './fixtures.js';
import { sha256, startServer } from './server.js';

const server = await startServer();
t.teardown(() => server.close());
const ck = checkpointBytes(50_000, 3);
const sha = sha256(ck);

const entry = (o: Partial<OfficialWeights>): OfficialWeights => ({
  model: 'testnet', tag: 't', default: true, publisher: 'test', licence: 'none', format: 'pth', hash: 'name-prefix', top1: null, top1Source: 'none',
  file: 'x.pth', url: `${server.url}/never`, ...o,
});

t.test('the torch hub cache ($TORCH_HOME/hub/checkpoints) is used with no request', async (t) => {
  const root = tmpDir();
  const env = isolatedEnv(root);
  const file = `testnet-${sha.slice(0, 8)}.pth`;
  mkdirSync(path.join(root, 'torch', 'hub', 'checkpoints'), { recursive: true });
  writeFileSync(path.join(root, 'torch', 'hub', 'checkpoints', file), ck);
  const r = await ensureWeights(entry({ file, url: `${server.url}/never/${file}` }), { env });
  t.equal(r.where, 'torch-hub');
  t.equal(r.verification, 'name-prefix');
  t.equal(r.sha256, sha);
  // Without TORCH_HOME, XDG_CACHE_HOME/torch is the default.
  const env2 = isolatedEnv(root, {});
  delete env2.TORCH_HOME;
  mkdirSync(path.join(root, 'xdg', 'torch', 'hub', 'checkpoints'), { recursive: true });
  writeFileSync(path.join(root, 'xdg', 'torch', 'hub', 'checkpoints', file), ck);
  t.equal((await ensureWeights(entry({ file }), { env: env2 })).where, 'torch-hub');
  t.equal(server.log.length, 0, 'no request made');
});

t.test('a torch hub file whose bytes do not match its name is refused', async (t) => {
  const root = tmpDir();
  const file = 'testnet-0123abcd.pth';
  mkdirSync(path.join(root, 'torch', 'hub', 'checkpoints'), { recursive: true });
  writeFileSync(path.join(root, 'torch', 'hub', 'checkpoints', file), ck);
  await t.rejects(ensureWeights(entry({ file }), { env: isolatedEnv(root) }), { code: 'LKR_WEIGHTS_HASH' });
});

function hfCache(root: string, repo: string, bytes: Buffer, blobName = sha256(bytes)) {
  const dir = path.join(root, 'hf', 'hub', `models--${repo.replace('/', '--')}`);
  const commit = 'c'.repeat(40);
  mkdirSync(path.join(dir, 'blobs'), { recursive: true });
  mkdirSync(path.join(dir, 'snapshots', commit), { recursive: true });
  mkdirSync(path.join(dir, 'refs'), { recursive: true });
  writeFileSync(path.join(dir, 'blobs', blobName), bytes);
  symlinkSync(path.join('..', '..', 'blobs', blobName), path.join(dir, 'snapshots', commit, 'model.safetensors'));
  writeFileSync(path.join(dir, 'refs', 'main'), commit);
}

t.test('the Hugging Face cache snapshot layout is used with no request, checked by its blob name', async (t) => {
  const root = tmpDir();
  hfCache(root, 'timm/testnet.t', ck);
  const hf = { repo: 'timm/testnet.t', file: 'model.safetensors', revision: 'main' };
  const w = entry({ hash: 'hf-lfs', format: 'safetensors', file: 'model.safetensors', hf, url: `${server.url}/timm/testnet.t/resolve/main/model.safetensors` });
  const r = await ensureWeights(w, { env: isolatedEnv(root) });
  t.equal(r.where, 'huggingface');
  t.equal(r.verification, 'hf-lfs');
  t.match(r.path, /blobs/);
  // $HF_HUB_CACHE wins over $HF_HOME.
  const other = tmpDir();
  hfCache(other, 'timm/testnet.t', ck);
  const r2 = await ensureWeights(w, { env: isolatedEnv(root, { HF_HUB_CACHE: path.join(other, 'hf', 'hub') }) });
  t.ok(r2.path.startsWith(other));
  t.equal(server.log.length, 0, 'no request made');
  const bad = tmpDir();
  hfCache(bad, 'timm/testnet.t', ck, 'f'.repeat(64));
  await t.rejects(ensureWeights(w, { env: isolatedEnv(bad) }), { code: 'LKR_WEIGHTS_HASH', message: /Hugging Face LFS/ });
});

t.test('no stated hash: recorded at first use, refused when the file changes later', async (t) => {
  const root = tmpDir();
  const env = isolatedEnv(root);
  server.routes.set('/plain/model.pth', { body: ck });
  const w = entry({ hash: 'recorded', file: 'model.pth', url: `${server.url}/plain/model.pth` });
  const first = await ensureWeights(w, { env, retries: 1, backoffMs: 5 });
  t.equal(first.verification, 'recorded-now');
  t.equal(first.where, 'downloaded');
  const again = await ensureWeights(w, { env });
  t.equal(again.where, 'lkrobust');
  t.equal(again.verification, 'recorded');
  writeFileSync(again.path, checkpointBytes(50_000, 4));
  await t.rejects(ensureWeights(w, { env }), { code: 'LKR_WEIGHTS_HASH', message: /recorded at its first download/ });
});

t.test('LKR_WEIGHTS_INDEX entries replace official ones; unknown names and tags are named', async (t) => {
  const root = tmpDir();
  const index = path.join(root, 'index.json');
  writeFileSync(index, JSON.stringify({ weights: [{ model: 'resnet50', tag: 'tv_in1k', url: 'http://mirror.local/r50.pth', file: 'r50.pth', default: true }] }));
  const env = isolatedEnv(root, { LKR_WEIGHTS_INDEX: index });
  t.equal(findWeights('resnet50', null, env).url, 'http://mirror.local/r50.pth');
  t.equal(findWeights('resnet50', 'a1_in1k', env).file, 'resnet50_a1_0-14fe96d1.pth', 'the others stay');
  t.throws(() => findWeights('resnet50', 'nope', env), { code: 'LKR_WEIGHTS_UNKNOWN', message: /tags: tv_in1k/ });
  t.throws(() => findWeights('replknet_31b_k3', null, env), { code: 'LKR_WEIGHTS_UNKNOWN', message: /not released/ });
  writeFileSync(index, '[{"model": "x"}]');
  t.throws(() => findWeights('x', null, env), { code: 'LKR_WEIGHTS_INDEX', message: /lacks "tag"/ });
});
