// Reads the raw TAP that tap saved per test file (.tap/test-results) and prints the skipped tests grouped by
// reason: one line per reason with its count and the first files, so a newcomer sees what a green run left out.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = process.argv[2] ?? '.tap/test-results';
const SKIP = /^\s*ok \d+ - .*# SKIP\s*(.*)$/;

function* tapFiles(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) yield* tapFiles(p);
    else if (n.endsWith('.tap')) yield p;
  }
}

const byReason = new Map();
for (const file of tapFiles(root)) {
  const testFile = path.relative(root, file).replace(/\.tap$/, '');
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = SKIP.exec(line);
    if (!m) continue;
    const reason = m[1].trim() || '(no reason given)';
    const entry = byReason.get(reason) ?? { count: 0, files: new Set() };
    entry.count++;
    entry.files.add(testFile);
    byReason.set(reason, entry);
  }
}

const total = [...byReason.values()].reduce((s, e) => s + e.count, 0);
if (total === 0) {
  console.log('\nskipped: nothing (every test ran)');
} else {
  console.log(`\nskipped: ${total} test${total === 1 ? '' : 's'} did not run, by reason (and how to add them):`);
  for (const [reason, e] of [...byReason].sort((a, b) => b[1].count - a[1].count)) {
    const files = [...e.files].sort();
    const shown = files.slice(0, 3).join(', ') + (files.length > 3 ? `, +${files.length - 3} more` : '');
    console.log(`  ${String(e.count).padStart(4)} × ${reason}  [${shown}]`);
  }
}
