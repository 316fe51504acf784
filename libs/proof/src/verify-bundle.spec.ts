import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { BUNDLE_FORMAT, canonicalize, chainHash, GENESIS, keyFingerprint, leafHash, type LedgerEvent, sha256Hex, signCheckpoint, verifyCheckpointSignature } from './canonical';
import { loadPrevious, verifyBundle, type VerifyOptions, type VerifyResult } from './verify-bundle';

// ---- Test helpers: build bundles exactly as the export side of the server must ---------------

interface Keys {
  privateKey: crypto.KeyObject;
  publicKeyPem: string;
}

function makeKeys(): Keys {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

function makeEvents(n: number, dataFor: (i: number) => unknown = (i) => ({ label: `event ${i} é€`, i })): LedgerEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    eventId: crypto.randomUUID(),
    streamId: `candidate-${i % 3}`,
    version: Math.floor(i / 3) + 1,
    type: i % 2 ? 'CandidateRegistered' : 'JuryDecisionRecorded',
    schemaVersion: 1,
    data: dataFor(i),
    metadata: { recordedAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(), actor: 'alice', correlationId: `c-${i}` },
  }));
}

/** h(0..n) for a list of events. */
function chainOf(events: LedgerEvent[]): string[] {
  const chain = [GENESIS];
  for (const e of events) chain.push(chainHash(chain[chain.length - 1], leafHash(e)));
  return chain;
}

const TIME = '2024-06-01T00:00:00.000Z';

function checkpointLine(origin: string, size: number, head: string, key: crypto.KeyObject): string {
  return JSON.stringify({ kind: 'checkpoint', ...signCheckpoint({ origin, size, head, time: TIME }, key) });
}

interface BuildOptions {
  keys: Keys;
  events: LedgerEvent[];
  origin?: string;
  from?: number;
  to?: number;
  every?: number;
  checkpointBeforeFirst?: boolean;
}

/** Bundle lines for events[from-1 .. to-1], a checkpoint every `every` seqs and one at the end. */
function buildBundle({ keys, events, origin = 'test-ledger', from = 1, to = events.length, every = 3, checkpointBeforeFirst = false }: BuildOptions): string[] {
  const chain = chainOf(events);
  const lines = [
    JSON.stringify({
      kind: 'header',
      format: BUNDLE_FORMAT,
      origin,
      publicKey: keys.publicKeyPem,
      keyFingerprint: keyFingerprint(keys.publicKeyPem),
      from,
      previousHead: chain[from - 1],
      exportedAt: TIME,
    }),
  ];
  if (checkpointBeforeFirst) lines.push(checkpointLine(origin, from - 1, chain[from - 1], keys.privateKey));
  for (let seq = from; seq <= to; seq++) {
    const event = events[seq - 1];
    lines.push(JSON.stringify({ kind: 'event', seq, position: seq * 10, leaf: leafHash(event), chain: chain[seq], event }));
    if (seq % every === 0 || seq === to) lines.push(checkpointLine(origin, seq, chain[seq], keys.privateKey));
  }
  return lines;
}

/** Index of the line holding the event with this seq. */
const eventLine = (lines: string[], seq: number) => lines.findIndex((l) => JSON.parse(l).kind === 'event' && JSON.parse(l).seq === seq);

/** Apply `edit` to the event body of `seq`, keeping the stored leaf and chain (a naive tamperer). */
function editEvent(lines: string[], seq: number, edit: (event: any) => void): string[] {
  const out = [...lines];
  const i = eventLine(out, seq);
  const rec = JSON.parse(out[i]);
  edit(rec.event);
  out[i] = JSON.stringify(rec);
  return out;
}

/** A smarter tamperer: renumber events and recompute every leaf and chain (but cannot re-sign). */
function relink(lines: string[]): string[] {
  const header = JSON.parse(lines[0]);
  let seq = header.from - 1;
  let head = header.previousHead;
  return lines.map((l) => {
    const rec = JSON.parse(l);
    if (rec.kind !== 'event') return l;
    rec.seq = ++seq;
    rec.leaf = leafHash(rec.event);
    rec.chain = head = chainHash(head, rec.leaf);
    return JSON.stringify(rec);
  });
}

/** Replace the header key with `keys` and re-sign every checkpoint, on the current chain, with it (a forger's own key). */
function resignAll(lines: string[], keys: Keys): string[] {
  let head = '';
  return lines.map((l) => {
    const rec = JSON.parse(l);
    if (rec.kind === 'header') {
      head = rec.previousHead;
      return JSON.stringify({ ...rec, publicKey: keys.publicKeyPem, keyFingerprint: keyFingerprint(keys.publicKeyPem) });
    }
    if (rec.kind === 'event') head = rec.chain;
    return rec.kind === 'checkpoint' ? checkpointLine(rec.origin, rec.size, head, keys.privateKey) : l;
  });
}

let dir: string;
let n = 0;
function writeBundle(lines: string[], name = `bundle-${++n}.ndjson`): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.map((l) => l + '\n').join(''));
  return file;
}

function expectFault(result: VerifyResult, firstBadSeq: number, reason: RegExp): void {
  expect(result).toMatchObject({ ok: false, firstBadSeq });
  expect(result.ok ? '' : result.reason).toMatch(reason);
}

const keys = makeKeys();
const otherKeys = makeKeys();
const events = makeEvents(10);
const chain = chainOf(events);
const full = buildBundle({ keys, events }); // checkpoints at 3, 6, 9, 10

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-bundle-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

// ---- Primitives --------------------------------------------------------------------------------

describe('canonicalize (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units, including non-ASCII keys (RFC 8785 §3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalize(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('matches the RFC 8785 §3.2.2 example', () => {
    const input = String.raw`{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`;
    expect(canonicalize(JSON.parse(input))).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it('serialises numbers as ECMAScript does (RFC 8785 appendix B)', () => {
    const fromBits = (hex: string) => Buffer.from(hex, 'hex').readDoubleBE(0);
    const samples: Array<[string, string]> = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['44b52d02c7e14af6', '1e+23'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
    ];
    for (const [bits, text] of samples) expect(canonicalize(fromBits(bits))).toBe(text);
    expect([1e21, 0.1, -0, 1e-7, 1e20, 100, -1.5].map((x) => canonicalize(x))).toEqual(['1e+21', '0.1', '0', '1e-7', '100000000000000000000', '100', '-1.5']);
  });

  it('handles nesting, arrays in order, undefined members, toJSON and shared (non-cyclic) references', () => {
    const shared = { k: 1 };
    const value = { b: [{ d: 1, c: [3, 2, 1] }, 'x', null], a: { z: null, y: 'é', u: undefined }, s: shared, t: shared, when: new Date(0) };
    expect(canonicalize(value)).toBe(
      '{"a":{"y":"é","z":null},"b":[{"c":[3,2,1],"d":1},"x",null],"s":{"k":1},"t":{"k":1},"when":"1970-01-01T00:00:00.000Z"}',
    );
    expect(canonicalize({})).toBe('{}');
    expect(canonicalize([])).toBe('[]');
    expect(canonicalize('line\n"quoted"')).toBe(JSON.stringify('line\n"quoted"'));
  });

  it('throws TypeError on non-JSON values', () => {
    const cyclic: any = { a: [] };
    cyclic.a.push(cyclic);
    for (const bad of [NaN, Infinity, -Infinity, () => 1, Symbol('s'), 10n, undefined, cyclic, { f: () => 1 }, [undefined], { n: NaN }]) {
      expect(() => canonicalize(bad)).toThrow(TypeError);
    }
  });
});

describe('hashes, signatures and keys', () => {
  it('leafHash hashes exactly the seven stored-event fields', () => {
    const e = events[0];
    const expected = sha256Hex(canonicalize({ eventId: e.eventId, streamId: e.streamId, version: e.version, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata }));
    expect(leafHash(e)).toBe(expected);
    expect(leafHash({ ...e, position: 42, seq: 7 } as LedgerEvent)).toBe(expected);
    expect(leafHash({ ...e, metadata: { ...(e.metadata as object), actor: 'mallory' } })).not.toBe(expected);
  });

  it('sha256Hex and chainHash follow the definitions', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(GENESIS).toBe('0'.repeat(64));
    const leaf = sha256Hex('x');
    const expected = crypto.createHash('sha256').update(Buffer.alloc(32)).update(Buffer.from(leaf, 'hex')).digest('hex');
    expect(chainHash(GENESIS, leaf)).toBe(expected);
    expect(() => chainHash('zz', leaf)).toThrow(TypeError);
  });

  it('signs and verifies checkpoints; fingerprints the SPKI DER', () => {
    const cp = signCheckpoint({ origin: 'o', size: 3, head: chain[3], time: TIME }, keys.privateKey);
    expect(Object.keys(cp).sort()).toEqual(['head', 'origin', 'signature', 'size', 'time']);
    expect(verifyCheckpointSignature(cp, keys.publicKeyPem)).toBe(true);
    expect(verifyCheckpointSignature({ ...cp, size: 4 }, keys.publicKeyPem)).toBe(false);
    expect(verifyCheckpointSignature(cp, otherKeys.publicKeyPem)).toBe(false);
    expect(verifyCheckpointSignature({ ...cp, signature: 'garbage' }, keys.publicKeyPem)).toBe(false);
    expect(verifyCheckpointSignature(cp, 'not a key')).toBe(false);
    // PEM private key input works too
    const pem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(signCheckpoint({ origin: 'o', size: 3, head: chain[3], time: TIME }, pem).signature).toBe(cp.signature);
    const der = crypto.createPublicKey(keys.publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(keyFingerprint(keys.publicKeyPem)).toBe('sha256:' + crypto.createHash('sha256').update(der).digest('hex'));
  });
});

// ---- Bundle verification ----------------------------------------------------------------------

describe('verifyBundle', () => {
  it('accepts an intact bundle (file path, stream, or lines)', async () => {
    const expected = { ok: true, events: 10, lastSeq: 10, head: chain[10], checkpoints: 4, keyFingerprint: keyFingerprint(keys.publicKeyPem), from: 1 };
    expect(await verifyBundle(writeBundle(full))).toMatchObject(expected);
    expect(await verifyBundle(Readable.from([full.join('\r\n')]))).toMatchObject(expected);
    expect(await verifyBundle(full, { publicKeyPem: keys.publicKeyPem })).toMatchObject(expected);
    const seen: number[] = [];
    await verifyBundle(full, { onProgress: (s) => seen.push(s) });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('accepts empty logs: header alone, or header + checkpoint of size 0', async () => {
    const header = buildBundle({ keys, events: [] });
    expect(header).toHaveLength(1);
    expect(await verifyBundle(header)).toMatchObject({ ok: true, events: 0, lastSeq: 0, head: GENESIS, checkpoints: 0 });
    const withCp = [header[0], checkpointLine('test-ledger', 0, GENESIS, keys.privateKey)];
    expect(await verifyBundle(withCp)).toMatchObject({ ok: true, events: 0, checkpoints: 1 });
  });

  it('detects one changed character in data, type or metadata actor, at that seq', async () => {
    expectFault(await verifyBundle(editEvent(full, 5, (e) => (e.data.label = e.data.label.replace('event', 'evenT')))), 5, /^event 5 was modified: leaf hash mismatch$/);
    expectFault(await verifyBundle(editEvent(full, 2, (e) => (e.type = e.type.slice(0, -1) + 'X'))), 2, /event 2 was modified/);
    expectFault(await verifyBundle(editEvent(full, 10, (e) => (e.metadata.actor = 'alicE'))), 10, /event 10 was modified/);
    // Recomputing the leaf and chain of the edited event does not help: the signed head no longer matches.
    const relinked = relink(editEvent(full, 8, (e) => (e.data.i = 80)));
    expectFault(await verifyBundle(relinked), 9, /checkpoint at size 9: head does not match the hash chain/);
  });

  it('detects a removed event', async () => {
    const removed = full.filter((_, i) => i !== eventLine(full, 4));
    const result = await verifyBundle(writeBundle(removed));
    expectFault(result, 4, /^sequence gap: expected 4, found 5$/);
    expect(result).toMatchObject({ line: 6 });
    // ...also when the tamperer renumbers and relinks the remaining events
    expectFault(await verifyBundle(relink(removed)), 6, /checkpoint at size 6 is misplaced/);
  });

  it('detects two swapped events', async () => {
    const swapped = [...full];
    const [a, b] = [eventLine(full, 4), eventLine(full, 5)];
    [swapped[a], swapped[b]] = [swapped[b], swapped[a]];
    expectFault(await verifyBundle(swapped), 4, /sequence gap: expected 4, found 5/);
    expectFault(await verifyBundle(relink(swapped)), 6, /checkpoint at size 6: head does not match/);
  });

  it('detects an inserted event', async () => {
    const forged = makeEvents(1)[0];
    const inserted = [...full];
    inserted.splice(eventLine(full, 5), 0, JSON.stringify({ kind: 'event', seq: 5, position: 1, leaf: leafHash(forged), chain: chainHash(chain[4], leafHash(forged)), event: forged }));
    expectFault(await verifyBundle(inserted), 6, /^sequence out of order: expected 6, found 5 \(duplicated or reordered event\)$/);
    expectFault(await verifyBundle(relink(inserted)), 7, /checkpoint at size 6 is misplaced: it follows seq 7/);
    // An unsigned event appended after the last checkpoint is not covered.
    const appended = [...full, JSON.stringify({ kind: 'event', seq: 11, position: 1, leaf: leafHash(forged), chain: chainHash(chain[10], leafHash(forged)), event: forged })];
    expectFault(await verifyBundle(appended), 11, /^the tail is not covered by a signed checkpoint: events after seq 10$/);
  });

  it('detects a cut tail (last events and the final checkpoint removed)', async () => {
    const cut = full.slice(0, eventLine(full, 8) + 1); // ... cp6, e7, e8
    expectFault(await verifyBundle(writeBundle(cut)), 7, /the tail is not covered by a signed checkpoint: events after seq 6/);
    // A cut exactly after a checkpoint is a valid older prefix: only --previous (a later known head) exposes it.
    const atCheckpoint = full.slice(0, eventLine(full, 7));
    expect(await verifyBundle(atCheckpoint)).toMatchObject({ ok: true, lastSeq: 6 });
    const last = JSON.parse(full[full.length - 1]);
    expectFault(await verifyBundle(atCheckpoint, { previous: last }), 7, /the newer bundle is shorter than the previous export/);
  });

  it('removing an intermediate checkpoint is harmless: the last checkpoint still vouches for everything', async () => {
    const fewer = full.filter((l) => !(JSON.parse(l).kind === 'checkpoint' && JSON.parse(l).size === 3));
    expect(await verifyBundle(fewer)).toMatchObject({ ok: true, events: 10, checkpoints: 3 });
  });

  it('detects a checkpoint re-signed with another key', async () => {
    const resigned = full.map((l) => (JSON.parse(l).size === 6 ? checkpointLine('test-ledger', 6, chain[6], otherKeys.privateKey) : l));
    expectFault(await verifyBundle(resigned), 6, /^checkpoint at size 6: bad signature$/);
  });

  it('detects a forged header key only when the regulator pins the real key', async () => {
    const forged = resignAll(relink(editEvent(full, 3, (e) => (e.data.label = 'rewritten'))), otherKeys);
    expect(await verifyBundle(forged)).toMatchObject({ ok: true }); // self-consistent, but by the wrong key
    const pinned = await verifyBundle(forged, { publicKeyPem: keys.publicKeyPem });
    expectFault(pinned, 1, /^bundle signed by an unexpected key \(fingerprint sha256:[0-9a-f]{64}/);
    expect(pinned.ok ? '' : pinned.reason).toContain(keyFingerprint(otherKeys.publicKeyPem));
  });

  it('proves append-only against a previous export, and refuses a rewritten history', async () => {
    const older = writeBundle(buildBundle({ keys, events: events.slice(0, 6) }));
    const previous = await loadPrevious(older);
    expect(previous).toMatchObject({ size: 6, head: chain[6] });
    expect(await verifyBundle(full, { previous })).toMatchObject({ ok: true, lastSeq: 10 });

    // The same key and origin, but a different history: refused at the older checkpoint's size.
    const otherLog = await loadPrevious(writeBundle(buildBundle({ keys, events: makeEvents(6) })));
    expectFault(await verifyBundle(full, { previous: otherLog }), 6, /history was rewritten: the chain at seq 6 differs/);
    // A previous checkpoint signed by another key, or forged, is refused (where the bundle reaches it: the key in force there signs it).
    const foreign = signCheckpoint({ origin: 'test-ledger', size: 6, head: chain[6], time: TIME }, otherKeys.privateKey);
    expectFault(await verifyBundle(full, { previous: foreign }), 6, /previous checkpoint is not signed by the key in force at size 6/);
    // A bare head noted down by the regulator (no signature) is accepted as the reference.
    expect(await verifyBundle(full, { previous: { size: 10, head: chain[10] } })).toMatchObject({ ok: true });
    expectFault(await verifyBundle(full, { previous: { size: 4, head: chain[5] } }), 4, /history was rewritten/);
  });

  it('loadPrevious reads a (pretty-printed) checkpoint JSON file', async () => {
    const cp = signCheckpoint({ origin: 'test-ledger', size: 9, head: chain[9], time: TIME }, keys.privateKey);
    const file = path.join(dir, 'checkpoint.json');
    fs.writeFileSync(file, JSON.stringify(cp, null, 2));
    expect(await loadPrevious(file)).toEqual(cp);
    expect(await verifyBundle(full, { previous: await loadPrevious(file) })).toMatchObject({ ok: true });
    fs.writeFileSync(file, '{"size": "nine"}');
    await expect(loadPrevious(file)).rejects.toThrow(/not a checkpoint/);
  });

  it('verifies an increment bundle (from > 1) and links it to the previous export', async () => {
    const increment = buildBundle({ keys, events, from: 7 });
    expect(await verifyBundle(increment)).toMatchObject({ ok: true, from: 7, events: 4, lastSeq: 10, head: chain[10], checkpoints: 2 });
    const withLeadingCp = buildBundle({ keys, events, from: 7, checkpointBeforeFirst: true });
    expect(await verifyBundle(withLeadingCp)).toMatchObject({ ok: true, checkpoints: 3 });

    const previous = JSON.parse(buildBundle({ keys, events: events.slice(0, 6) }).pop()!);
    expect(await verifyBundle(increment, { previous })).toMatchObject({ ok: true });
    const at9 = JSON.parse(full[eventLine(full, 9) + 1]); // checkpoint at size 9
    expect(await verifyBundle(increment, { previous: at9 })).toMatchObject({ ok: true });
    const at3 = JSON.parse(full[eventLine(full, 3) + 1]);
    expectFault(await verifyBundle(increment, { previous: at3 }), 7, /^cannot prove append-only: bundle starts after the previous checkpoint/);
    const wrongBase = { size: 6, head: chain[5] };
    expectFault(await verifyBundle(increment, { previous: wrongBase }), 7, /previousHead differs/);
  });

  it('reports a malformed line with its line number', async () => {
    const broken = [...full];
    broken[4] = broken[4].slice(0, 40);
    const result = await verifyBundle(writeBundle(broken));
    expect(result).toMatchObject({ ok: false, line: 5, firstBadSeq: 4 });
    expect(result.ok ? '' : result.reason).toBe('line 5 is not a valid JSON object');
    expectFault(await verifyBundle([]), 1, /no header/);
    expectFault(await verifyBundle(full.slice(1)), 1, /first line is not a bundle header/);
    expectFault(await verifyBundle([full[0].replace(BUNDLE_FORMAT, 'cert-ledger-bundle/9')]), 1, /unknown bundle format/);
  });

  it('rejects (throws) on an unreadable file', async () => {
    await expect(verifyBundle(path.join(dir, 'missing.ndjson'))).rejects.toThrow(/ENOENT/);
  });
});

// ---- Property: every single mutation is detected, the original always verifies ------------------

describe('property: random logs and random single mutations', () => {
  const eventData = fc.record({ text: fc.string({ minLength: 1, maxLength: 20 }), extra: fc.jsonValue({ maxDepth: 3 }) });
  const scenario = fc.record({
    datas: fc.array(eventData, { minLength: 1, maxLength: 40 }),
    every: fc.integer({ min: 1, max: 8 }),
    pick: fc.nat(), // chooses the line(s) to mutate
    pick2: fc.nat(),
    charAt: fc.nat(),
    mutation: fc.constantFrom('editData', 'deleteLine', 'swapLines', 'duplicateLine', 'dropTail'),
  });
  const propKeys = makeKeys();

  it('an unmutated bundle always verifies', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ datas, every }) => {
        const evs = makeEvents(datas.length, (i) => datas[i]);
        const lines = buildBundle({ keys: propKeys, events: evs, every });
        const last = JSON.parse(lines[lines.length - 1]);
        const result = await verifyBundle(lines, { publicKeyPem: propKeys.publicKeyPem, previous: last });
        expect(result).toMatchObject({ ok: true, events: evs.length, head: chainOf(evs)[evs.length] });
      }),
    );
  });

  it('any single mutation is detected', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ datas, every, pick, pick2, charAt, mutation }) => {
        const evs = makeEvents(datas.length, (i) => datas[i]);
        const lines = buildBundle({ keys: propKeys, events: evs, every });
        const kinds = lines.map((l) => JSON.parse(l).kind as string);
        const eventIdx = kinds.flatMap((k, i) => (k === 'event' ? [i] : []));
        // Intermediate checkpoints are redundant (the last one covers everything), so deleting or
        // moving them is not a fault; mutate only the header, events and the final checkpoint.
        const essential = kinds.flatMap((k, i) => (k !== 'checkpoint' || i === lines.length - 1 ? [i] : []));
        let mutated = [...lines];
        let options: VerifyOptions = {};
        switch (mutation) {
          case 'editData': {
            const seq = (pick % evs.length) + 1;
            mutated = editEvent(lines, seq, (e) => {
              const t: string = e.data.text;
              const k = charAt % t.length;
              e.data.text = t.slice(0, k) + (t[k] === 'a' ? 'b' : 'a') + t.slice(k + 1);
            });
            break;
          }
          case 'deleteLine':
            mutated.splice(essential[pick % essential.length], 1);
            break;
          case 'swapLines': {
            const a = essential[pick % essential.length];
            const others = eventIdx.filter((i) => i !== a);
            if (others.length === 0) return; // a single-event log has nothing to swap with
            const b = others[pick2 % others.length];
            [mutated[a], mutated[b]] = [mutated[b], mutated[a]];
            break;
          }
          case 'duplicateLine':
            mutated.splice(pick2 % (lines.length + 1), 0, lines[essential[pick % essential.length]]);
            break;
          case 'dropTail':
            // A cut that happens to end on a checkpoint is a valid older prefix: the regulator's
            // previously known head (the original last checkpoint) is what exposes it.
            mutated = lines.slice(0, pick % lines.length);
            options = { previous: JSON.parse(lines[lines.length - 1]) };
            break;
        }
        const result = await verifyBundle(mutated, { ...options, publicKeyPem: propKeys.publicKeyPem });
        expect(result.ok).toBe(false);
      }),
    );
  });
});

// ---- Command line -------------------------------------------------------------------------------

describe('CLI', () => {
  const script = path.join(__dirname, 'verify-bundle.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

  it('exits 0 with a one-line summary for an intact bundle', () => {
    const r = run(writeBundle(full));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`OK: 10 events (seq 1..10), 4 signed checkpoints, head ${chain[10]}, key ${keyFingerprint(keys.publicKeyPem)}\n`);
    expect(r.stderr).toBe('');
  });

  it('reports the extension of a previous export and checks a pinned key', () => {
    const keyFile = path.join(dir, 'key.pem');
    fs.writeFileSync(keyFile, keys.publicKeyPem);
    const older = writeBundle(buildBundle({ keys, events: events.slice(0, 4) }));
    const r = run(writeBundle(full), '--previous', older, '--key', keyFile);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^OK: 10 events .*, extends previous export of 4 events\n$/);

    const otherKeyFile = path.join(dir, 'other.pem');
    fs.writeFileSync(otherKeyFile, otherKeys.publicKeyPem);
    const bad = run(writeBundle(full), `--key=${otherKeyFile}`);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^FAILED at seq 1: bundle signed by an unexpected key/);
  });

  it('exits 1 with FAILED at seq N on a fault', () => {
    const r = run(writeBundle(editEvent(full, 5, (e) => (e.data.i = 55))));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe('FAILED at seq 5: event 5 was modified: leaf hash mismatch');
  });

  it('exits 2 on bad arguments or unreadable files', () => {
    for (const args of [[], ['a', 'b'], ['--bogus', 'x'], ['x.ndjson', '--key']]) {
      const r = run(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^usage: node verify-bundle.js <bundle.ndjson>/);
    }
    const missing = run(path.join(dir, 'missing.ndjson'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the bundle .*ENOENT/);
    const badKey = run(writeBundle(full), '--key', writeBundle(full));
    expect(badKey.status).toBe(2);
    expect(badKey.stderr).toMatch(/cannot use the public key/);
    const badPrev = run(writeBundle(full), '--previous', path.join(dir, 'nope.json'));
    expect(badPrev.status).toBe(2);
    expect(badPrev.stderr).toMatch(/cannot read the previous export/);
  });

  it('is what `npm run -s verify` runs', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
    expect(pkg.scripts.verify).toBe(`node ${path.relative(path.join(__dirname, '..', '..', '..'), script)}`);
  });

  it('runs from a copy of its five files in any folder, with node alone (docs/auditors.md)', () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'regulator-'));
    try {
      for (const file of VERIFIER_FILES) fs.copyFileSync(path.join(__dirname, file), path.join(copy, file));
      const intact = spawnSync(process.execPath, [path.join(copy, 'verify-bundle.js'), writeBundle(full)], { cwd: copy, encoding: 'utf8' });
      expect(intact.status).toBe(0);
      expect(intact.stdout).toBe(run(writeBundle(full)).stdout);
      const tampered = spawnSync(process.execPath, [path.join(copy, 'verify-bundle.js'), writeBundle(editEvent(full, 5, (e) => (e.data.i = 55)))], { cwd: copy, encoding: 'utf8' });
      expect(tampered.status).toBe(1);
      expect(tampered.stderr.split('\n')[0]).toBe('FAILED at seq 5: event 5 was modified: leaf hash mismatch');
      // The worker threads (used for large files) load their code from the copy too.
      const bundle = writeBundle(full);
      const program = `require(${JSON.stringify(path.join(copy, 'verify-bundle.js'))}).verifyBundle(${JSON.stringify(bundle)}, { workers: 2, blockBytes: 512 }).then((r) => console.log(JSON.stringify(r)))`;
      const inWorkers = spawnSync(process.execPath, ['-e', program], { cwd: copy, encoding: 'utf8' });
      expect(inWorkers.stderr).toBe('');
      expect(JSON.parse(inWorkers.stdout)).toMatchObject({ ok: true, events: 10, head: chain[10] });
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});

/** What a regulator copies (docs/auditors.md): the verifier and the one module it shares with the server. */
const VERIFIER_FILES = ['verify-bundle.js', 'bundle-checker.js', 'bundle-reader.js', 'key-chain.js', 'canonical.js', 'witness.js'];

it('the verifier needs nothing but node built-ins and its own files', () => {
  for (const file of VERIFIER_FILES) {
    const source = fs.readFileSync(path.join(__dirname, file), 'utf8');
    const required = [...source.matchAll(/require\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]);
    for (const name of required) expect(name.startsWith('node:') || VERIFIER_FILES.includes(`${name.replace(/^\.\//, '')}.js`)).toBe(true);
    expect(source).not.toMatch(/\bimport\s/);
    expect(source.startsWith('// @ts-check') || source.startsWith('#!/usr/bin/env node\n// @ts-check')).toBe(true);
  }
});
