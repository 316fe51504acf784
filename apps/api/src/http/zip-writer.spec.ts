import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readZip, ZipWriter } from './zip-writer';

async function archive(entries: Array<{ name: string; data: Buffer }>): Promise<Buffer> {
  const zip = new ZipWriter(new Date('2026-07-01T10:20:30Z'));
  const chunks: Buffer[] = [];
  zip.stream.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => zip.stream.on('end', resolve));
  for (const e of entries) await zip.add(e);
  await zip.finish();
  await ended;
  return Buffer.concat(chunks);
}

describe('ZipWriter', () => {
  const entries = [
    { name: 'lettre-lefèvre-zoé.pdf', data: Buffer.from('%PDF-1.7 '.repeat(500)) },
    { name: 'bruit.bin', data: randomBytes(70_000) },
    { name: 'vide.txt', data: Buffer.alloc(0) },
    { name: 'lettres.csv', data: Buffer.from('\ufeffcandidateId;nom\r\nc-1;Lefèvre\r\n', 'utf8') },
  ];

  it('writes entries that read back byte for byte, in order, with UTF-8 names; the same entries give the same bytes', async () => {
    const bytes = await archive(entries);
    expect(readZip(bytes)).toEqual(entries);
    expect(Buffer.compare(await archive(entries), bytes)).toBe(0);
  });

  it('is a ZIP another reader accepts (unzip -t), dated as given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zip-'));
    try {
      const file = join(dir, 'letters.zip');
      writeFileSync(file, await archive(entries));
      const out = execFileSync('unzip', ['-t', file], { encoding: 'utf8' });
      expect(out).toContain('No errors detected');
      expect(execFileSync('unzip', ['-l', file], { encoding: 'utf8' })).toMatch(/2026-07-01 10:20 +lettre-lefèvre-zoé\.pdf/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops writing, rather than waiting for ever, when the reader goes away', async () => {
    const zip = new ZipWriter(new Date('2026-07-01T10:20:30Z'));
    zip.stream.destroy();
    await expect(zip.add({ name: 'a.bin', data: randomBytes(1_000) })).rejects.toThrow('closed');
    const slow = new ZipWriter(new Date('2026-07-01T10:20:30Z'));
    const pending = slow.add({ name: 'b.bin', data: randomBytes(200_000) }); // more than the stream buffers: waits for a drain
    slow.stream.destroy();
    await expect(pending).rejects.toThrow('closed');
  });

  it('reading refuses a damaged archive', async () => {
    const bytes = await archive(entries.slice(0, 1));
    const damaged = Buffer.from(bytes);
    damaged[30 + Buffer.byteLength(entries[0].name) + 10] ^= 0xff; // inside the compressed data
    expect(() => readZip(damaged)).toThrow();
    expect(() => readZip(Buffer.from('not a zip at all, not at all'))).toThrow('not a ZIP archive');
  });
});
