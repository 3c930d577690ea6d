import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import sharp from 'sharp';
import t from 'tap';

import { toCsv } from '../../src/report/csv.js';
import { reportHtml } from '../../src/report/html.js';
import { figuresFor, renderSvg, svgToPng } from '../../src/report/plots.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

const dir = mkdtempSync(path.join(os.tmpdir(), 'lkr-report-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function write(sub: string, results: object) {
  mkdirSync(path.join(dir, sub), { recursive: true });
  writeFileSync(path.join(dir, sub, 'results.json'), JSON.stringify(results));
}

const cRows = (scale: number) =>
  ['gaussian_noise', 'fog'].flatMap((corruption) => [1, 2, 3, 4, 5].map((severity) => ({ corruption, severity, n: 10, correct: 5, error: Math.min(1, scale * severity * 0.15) })));
write('a/c', { model: 'resnet50', benchmark: 'imagenet-c', rows: cRows(1), summary: { mCE: 0.76, relative_mCE: null } });
write('b/c', { model: 'replknet_31b', benchmark: 'imagenet-c', rows: cRows(0.6), summary: { mCE: 0.49 } });
write('a/pgd', { model: 'resnet50', attack: 'pgd', rows: [0.002, 0.004, 0.008].map((eps, i) => ({ eps, steps: 5, n: 10, accuracy: 0.6 - 0.2 * i })), summary: {} });
write('a/occ', { model: 'resnet50', analysis: 'occlusion', rows: [0.1, 0.5, 0.9].map((ratio) => ({ mode: 'random', ratio, accuracy: 1 - ratio })), summary: { plot: { x: 'ratio', y: 'accuracy', xTitle: 'drop ratio', yTitle: 'top-1', facet: 'mode' } } });

t.test('figures: one per kind, several models in one plot, SVG and PNG', async (t) => {
  const results = [
    { model: 'resnet50', benchmark: 'imagenet-c', rows: cRows(1) },
    { model: 'replknet_31b', benchmark: 'imagenet-c', rows: cRows(0.6) },
  ];
  const figs = figuresFor(results);
  t.equal(figs.length, 1, 'two models of one benchmark share a figure');
  const svg = await renderSvg(figs[0].spec);
  t.match(svg, /^<svg/);
  t.match(svg, /replknet_31b/, 'the legend names both models');
  t.match(svg, /resnet50/);
  const png = await svgToPng(svg);
  const meta = await sharp(png).metadata();
  t.equal(meta.format, 'png');
  t.ok((meta.width ?? 0) > 200, 'a real image');
});

t.test('csv quotes what needs quoting', async (t) => {
  t.equal(toCsv([{ a: 1, b: 'x,y' }, { a: 2, c: 'say "hi"' }]), 'a,b,c\n1,"x,y",\n2,,"say ""hi"""\n');
});

t.test('report: every results.json under the folder, one self-contained page', async (t) => {
  const { html, files, figures } = await reportHtml(dir);
  t.equal(files, 4);
  t.equal(figures, 3, 'imagenet-c, pgd, occlusion');
  t.notMatch(html, /<script|<link|src="http/, 'no external resources');
  writeFileSync(path.join(dir, 'report.html'), html);
});

t.test('report opens in headless Chromium with no console error and a non-blank screenshot', { skip: CHROMIUM ? false : 'Chromium not installed (apt-get install chromium)' }, async (t) => {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('file://' + path.join(dir, 'report.html'));
  const png = await page.screenshot({ fullPage: false });
  t.same(errors, [], 'no console errors');
  const stats = await sharp(png).stats();
  const spread = Math.max(...stats.channels.map((c) => c.stdev));
  t.ok(spread > 10, `the screenshot is not blank (pixel stdev ${spread.toFixed(1)})`);
  t.ok((await page.locator('svg').count()) >= 3, 'the figures are in the page');
});
