// No tracked text file may hold merge-conflict markers (a merged doc once kept both sides of a conflict).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import t from 'tap';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Line numbers (1-based) of conflict markers in `text`; a lone `=======` counts only beside a real marker. */
export function conflictMarkers(text: string): number[] {
  const lines = text.split('\n');
  const hard = /^(<{7}|>{7}|\|{7})( |$)/;
  const found = lines.flatMap((l, i) => (hard.test(l) ? [i + 1] : []));
  if (found.length === 0) return [];
  const separators = lines.flatMap((l, i) => (/^={7}$/.test(l) ? [i + 1] : []));
  return [...found, ...separators].sort((a, b) => a - b);
}

t.test('the detector finds each marker of a conflict and nothing in clean text', async (t) => {
  const conflicted = ['intro', '<<<<<<< HEAD', 'ours', '=======', 'theirs', '>>>>>>> branch', 'outro'].join('\n');
  t.same(conflictMarkers(conflicted), [2, 4, 6]);
  t.same(conflictMarkers('Title\n=======\n\ntext with <<<<<<<< eight and a > quote\n'), [], 'a setext underline alone is not a conflict');
});

t.test('no tracked text file contains merge-conflict markers', async (t) => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  t.ok(files.length > 100, `git lists the tracked files (${files.length})`);
  const bad: string[] = [];
  for (const f of files) {
    let buf: Buffer;
    try {
      buf = readFileSync(path.join(ROOT, f));
    } catch {
      continue; // deleted in the work tree, not yet committed
    }
    if (buf.includes(0)) continue; // binary
    const at = conflictMarkers(buf.toString('utf8'));
    if (at.length) bad.push(`${f}: lines ${at.join(', ')}`);
  }
  t.same(bad, [], bad.length ? `conflict markers in:\n${bad.join('\n')}` : 'none');
});
