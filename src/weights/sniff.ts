// Is this the start of a checkpoint? Refuses the classic failures of fragile downloads: an HTML page (a login,
// a Google Drive confirmation, a CDN error) or a JSON error body saved under a checkpoint's name.
export type Sniffed = { ok: true; kind: 'zip' | 'pickle' | 'safetensors' } | { ok: false; kind: 'html' | 'json' | 'unknown'; preview: string };

const printable = (b: Buffer) => b.toString('latin1').replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 80);

export function sniffCheckpoint(head: Buffer): Sniffed {
  if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) return { ok: true, kind: 'zip' }; // torch.save >= 1.6, .npz
  if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return { ok: true, kind: 'pickle' }; // legacy torch.save
  // safetensors: u64 little-endian header length, then a JSON header starting with '{'.
  if (head.length >= 9 && head[8] === 0x7b && head.readBigUInt64LE(0) < 100_000_000n) return { ok: true, kind: 'safetensors' };
  const text = head.toString('utf8', 0, Math.min(head.length, 512)).replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (text.startsWith('<')) return { ok: false, kind: 'html', preview: printable(head) };
  if (text.startsWith('{') || text.startsWith('[')) return { ok: false, kind: 'json', preview: printable(head) };
  return { ok: false, kind: 'unknown', preview: printable(head) };
}

export function describeNotCheckpoint(s: Sniffed & { ok: false }, url: string, contentType?: string): string {
  const what = s.kind === 'html' ? 'an HTML page' : s.kind === 'json' ? 'a JSON document' : 'something that is not a checkpoint';
  return (
    `${url} sent ${what}${contentType ? ` (Content-Type ${contentType})` : ''} where a checkpoint was expected` +
    (s.preview ? `: "${s.preview}"` : '') +
    '. Nothing was kept. Often a login, quota or confirmation page: open the URL in a browser.'
  );
}
