import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { BUNDLE_FORMAT, chainHash, GENESIS, keyFingerprint, leafHash, signCheckpoint } from './canonical';
import { verifyBundle, type VerifyOptions, type VerifyResult } from './verify-bundle';

/**
 * The verifier reads a bundle file in blocks of whole lines, splits them itself (as readline
 * did: "\r\n", "\n" or "\r"), and for larger files recomputes the leaves in worker threads while
 * the main thread judges the lines in order. Whatever the route — lines given one by one, a
 * stream, a file read in this thread, a file spread over workers, any block size — the verdict
 * must be the same, down to the first bad seq, the line number and the reason.
 */

const keys = crypto.generateKeyPairSync('ed25519');
const publicKeyPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ORIGIN = 'parallel-test';

function bundleLines(datas: unknown[], every: number): string[] {
  let head = GENESIS;
  const lines = [
    JSON.stringify({ kind: 'header', format: BUNDLE_FORMAT, origin: ORIGIN, publicKey: publicKeyPem, keyFingerprint: keyFingerprint(publicKeyPem), from: 1, previousHead: head, exportedAt: 't' }),
  ];
  datas.forEach((data, i) => {
    const seq = i + 1;
    const event = { eventId: `e-${seq}`, streamId: `s-${seq % 3}`, version: seq, type: 'T', schemaVersion: 1, data, metadata: { actor: 'a', n: seq } };
    const leaf = leafHash(event);
    head = chainHash(head, leaf);
    lines.push(JSON.stringify({ kind: 'event', seq, position: seq, leaf, chain: head, event }));
    if (seq % every === 0 || seq === datas.length) {
      lines.push(JSON.stringify({ kind: 'checkpoint', ...signCheckpoint({ origin: ORIGIN, size: seq, head, time: 't' }, keys.privateKey) }));
    }
  });
  return lines;
}

let dir: string;
let n = 0;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-parallel-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
function write(bytes: Buffer | string): string {
  const file = path.join(dir, `b-${++n}.ndjson`);
  fs.writeFileSync(file, bytes);
  return file;
}

/**
 * The lines these bytes hold, split on "\r\n", "\n" or "\r", a final break ending the last
 * line rather than starting an empty one. (Node's readline was the reference once, but it
 * stopped splitting on a lone "\r" in Node 24, so the rule is spelled out here.)
 */
function referenceLines(bytes: Buffer): string[] {
  const lines = bytes.toString('utf8').split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Every route through the verifier, on the same bytes: all verdicts must be equal. */
async function allVerdicts(bytes: Buffer, blockBytes: number, options: VerifyOptions = {}): Promise<VerifyResult[]> {
  const file = write(bytes);
  const cut = Math.floor(bytes.length / 3);
  const smallChunks: Buffer[] = []; // 1 to 7 bytes each: line breaks, "\r\n" pairs and UTF-8 sequences split anywhere
  for (let at = 0, k = 0; at < bytes.length; k++) smallChunks.push(bytes.subarray(at, (at += 1 + ((k * 5 + blockBytes) % 7))));
  return [
    await verifyBundle(referenceLines(bytes), options),
    await verifyBundle(Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]), options),
    await verifyBundle(Readable.from([bytes.toString('utf8')]), options),
    await verifyBundle(Readable.from(smallChunks), options),
    await verifyBundle(file, { ...options, workers: 0 }),
    await verifyBundle(file, { ...options, workers: 0, blockBytes }),
    await verifyBundle(file, { ...options, workers: 2, blockBytes }),
    await verifyBundle(file, { ...options, workers: 1, blockBytes: blockBytes * 3 }),
  ];
}

const datum = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ unit: 'binary', maxLength: 12 }));

describe('verifyBundle: same verdict by every route (lines, streams, files, worker threads, block sizes)', () => {
  it('on intact bundles with CRLF, CR or LF line breaks', async () => {
    const lines = bundleLines(Array.from({ length: 40 }, (_, i) => ({ i, s: 'é😀\u2028"' })), 7);
    for (const eol of ['\n', '\r\n', '\r']) {
      for (const final of ['', eol]) {
        const verdicts = await allVerdicts(Buffer.from(lines.join(eol) + final), 150);
        for (const v of verdicts) expect(v).toEqual(verdicts[0]);
        expect(verdicts[0]).toMatchObject({ ok: true, events: 40, checkpoints: 6 });
      }
    }
  });

  it('on randomly damaged bundles (flipped, dropped or inserted bytes, line breaks, blank lines, moved lines)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(datum, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.tuple(fc.constantFrom('flip', 'drop', 'insert', 'swap', 'cut'), fc.nat(), fc.nat(), fc.constantFrom('\n', '\r', '\r\n', '\n\n', ' ', '"', '}', '0', '\ud83d', '\\u0041')), { maxLength: 2 }),
        fc.integer({ min: 8, max: 400 }),
        async (datas, every, edits, blockBytes) => {
          let bytes = Buffer.from(bundleLines(datas, every).join('\n') + '\n');
          for (const [kind, a, b, text] of edits) {
            const at = a % bytes.length;
            if (kind === 'flip') bytes[at] ^= 1 << b % 8;
            else if (kind === 'drop') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
            else if (kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(text), bytes.subarray(at)]);
            else if (kind === 'cut') bytes = bytes.subarray(0, at);
            else {
              const lines = bytes.toString('utf8').split('\n');
              const [i, j] = [a % lines.length, b % lines.length];
              [lines[i], lines[j]] = [lines[j], lines[i]];
              bytes = Buffer.from(lines.join('\n'));
            }
          }
          const verdicts = await allVerdicts(bytes, blockBytes);
          for (const v of verdicts) expect(v).toEqual(verdicts[0]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('with --previous and --key, through worker threads', async () => {
    const lines = bundleLines(Array.from({ length: 30 }, (_, i) => i), 5);
    const bytes = Buffer.from(lines.join('\n') + '\n');
    const at10 = JSON.parse(lines.find((l) => JSON.parse(l).size === 10)!);
    const rewritten = { size: 10, head: GENESIS }; // a head noted down earlier, not the one this bundle has at 10
    for (const options of [{ previous: at10, publicKeyPem }, { previous: rewritten }, { previous: { ...at10, head: GENESIS } }, { previous: { size: 31, head: at10.head } }]) {
      const verdicts = await allVerdicts(bytes, 100, options);
      for (const v of verdicts) expect(v).toEqual(verdicts[0]);
    }
    expect((await allVerdicts(bytes, 100, { previous: rewritten }))[6]).toMatchObject({ ok: false, firstBadSeq: 10, reason: expect.stringMatching(/^history was rewritten/) });
  });

  it('reads lines longer than a block, and a "\\r\\n" split across two blocks', async () => {
    const lines = bundleLines([{ big: 'x'.repeat(5000) }, 1, { big: 'é'.repeat(3000) }, 2], 2);
    const crlf = Buffer.from(lines.join('\r\n') + '\r\n');
    for (const blockBytes of [16, 64, 101, 102, 103, 1000]) {
      for (const workers of [0, 2]) expect(await verifyBundle(write(crlf), { workers, blockBytes })).toMatchObject({ ok: true, events: 4 });
    }
  });

  it('stops at the first fault with worker threads, and reports it as the main thread would', async () => {
    const lines = bundleLines(Array.from({ length: 200 }, (_, i) => ({ i })), 50);
    const damaged = lines.map((l) => (l.includes('"seq":120,') ? l.replace('"i":119', '"i":1190') : l));
    const file = write(damaged.join('\n') + '\n');
    const expected = { ok: false, firstBadSeq: 120, line: 123, reason: 'event 120 was modified: leaf hash mismatch' };
    expect(await verifyBundle(file, { workers: 2, blockBytes: 500 })).toEqual(expected);
    expect(await verifyBundle(damaged)).toEqual(expected);
    const seen: number[] = [];
    await verifyBundle(write(lines.join('\n')), { workers: 2, blockBytes: 300, onProgress: (s) => seen.push(s) });
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('gives a larger file the same verdict with or without worker threads', async () => {
    const datas = Array.from({ length: 6000 }, (_, i) => ({ i, comment: 'Observed during the practical case study; evidence filed.'.repeat(8), candidateId: crypto.randomUUID() }));
    const lines = bundleLines(datas, 1000);
    const file = write(lines.join('\n') + '\n');
    const result = await verifyBundle(file);
    expect(result).toMatchObject({ ok: true, events: 6000, checkpoints: 6 });
    expect(await verifyBundle(file, { workers: 2 })).toEqual(result);
    const tampered = write(lines.map((l) => l.replace('"i":4321,', '"i":4322,')).join('\n'));
    expect(await verifyBundle(tampered)).toEqual(await verifyBundle(tampered, { workers: 2 }));
    expect(await verifyBundle(tampered, { workers: 2 })).toMatchObject({ ok: false, firstBadSeq: 4322, reason: 'event 4322 was modified: leaf hash mismatch' });
  });
});
