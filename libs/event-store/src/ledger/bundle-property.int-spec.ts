import fc from 'fast-check';
import { createPublicKey, randomUUID } from 'node:crypto';
import { serverDatabase, TestDatabase } from '../../../../test/support/databases';
import { migrate } from '../migrations';
import { PostgresEventStore } from '../postgres-event-store';
import { LEDGER_MIGRATIONS } from './ledger-migrations';
import { exportLines, newKey, sealAtLeast, sealer as newSealer, TestKey } from '../testing/ledger-test-kit';
import { canonicalize, type SignedCheckpoint } from '@app/proof/canonical';
import { verifyBundle } from '@app/proof/verify-bundle';
import { cosignCheckpoint, rawPublicKey } from '@app/proof/witness';
import { keyFromSeed } from '@app/proof/testing/witness-bundle';

/**
 * Property: over random logs appended through the event store, sealed with a
 * random checkpoint cadence and exported from a random seq, the intact bundle
 * always verifies and every single mutation of its verified content is detected.
 * (Fields the verifier deliberately does not vouch for, `position` and
 * `exportedAt`, are informative and left out of the mutations; so is dropping an
 * intermediate checkpoint, which only removes a vouching signature.) Some runs
 * register a witness and add its cosignatures of the checkpoints (events of the
 * log, like the server records them): mutating, dropping or duplicating one is
 * detected like any other line.
 */

type Mutation =
  | { kind: 'flip-event-byte'; line: number; offset: number }
  | { kind: 'flip-hash-byte'; line: number; field: 'leaf' | 'chain'; offset: number }
  | { kind: 'flip-checkpoint-byte'; line: number; field: 'origin' | 'size' | 'head' | 'time' | 'signature'; offset: number }
  | { kind: 'flip-header-byte'; field: 'format' | 'origin' | 'publicKey' | 'keyFingerprint' | 'from' | 'previousHead'; offset: number }
  | { kind: 'change-seq'; line: number; delta: number }
  | { kind: 'delete-event'; line: number }
  | { kind: 'duplicate-event'; line: number }
  | { kind: 'swap-events'; line: number }
  | { kind: 'cut-tail'; count: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip-event-byte' as const), line: fc.nat(), offset: fc.nat() }),
  fc.record({ kind: fc.constant('flip-hash-byte' as const), line: fc.nat(), field: fc.constantFrom('leaf' as const, 'chain' as const), offset: fc.nat() }),
  fc.record({ kind: fc.constant('flip-checkpoint-byte' as const), line: fc.nat(), field: fc.constantFrom('origin' as const, 'size' as const, 'head' as const, 'time' as const, 'signature' as const), offset: fc.nat() }),
  fc.record({ kind: fc.constant('flip-header-byte' as const), field: fc.constantFrom('format' as const, 'origin' as const, 'publicKey' as const, 'keyFingerprint' as const, 'from' as const, 'previousHead' as const), offset: fc.nat() }),
  fc.record({ kind: fc.constant('change-seq' as const), line: fc.nat(), delta: fc.constantFrom(-2, -1, 1, 2) }),
  fc.record({ kind: fc.constant('delete-event' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-event' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swap-events' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('cut-tail' as const), count: fc.integer({ min: 1, max: 4 }) }),
);

/** Changes one UTF-16 unit by its lowest bit: never a no-op, never a mere change of letter case. */
function flipChar(text: string, offset: number): string {
  const i = offset % text.length;
  return text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ 1) + text.slice(i + 1);
}

/**
 * Whether two headers name the same key: some flips of the PEM text leave the key itself unchanged
 * (a line break turned into another blank, the unused low bits of the last base64 character), and a
 * verifier rightly accepts them: nothing it vouches for changed.
 */
function sameKey(header: string, tamperedHeader: string): boolean {
  const der = (line: string) => {
    try {
      return createPublicKey(JSON.parse(line).publicKey).export({ type: 'spki', format: 'der' });
    } catch {
      return null;
    }
  };
  const [a, b] = [der(header), der(tamperedHeader)];
  return a !== null && b !== null && a.equals(b);
}

/** The mutated bundle, or null when this mutation does not apply to this bundle (e.g. no event to delete). */
function mutate(lines: string[], m: Mutation): string[] | null {
  const out = [...lines];
  const events = out.flatMap((l, i) => (l.startsWith('{"kind":"event"') ? [i] : []));
  const checkpoints = out.flatMap((l, i) => (l.startsWith('{"kind":"checkpoint"') ? [i] : []));
  const pick = (indexes: number[], n: number) => (indexes.length ? indexes[n % indexes.length] : -1);
  switch (m.kind) {
    case 'flip-event-byte': {
      const i = pick(events, m.line);
      if (i < 0) return null;
      const start = out[i].indexOf('"event":') + '"event":'.length;
      const body = out[i].slice(start, -1); // the event object, without the line's closing brace
      out[i] = out[i].slice(0, start) + flipChar(body, m.offset) + '}';
      return out;
    }
    case 'flip-hash-byte':
    case 'flip-checkpoint-byte':
    case 'flip-header-byte': {
      const i = m.kind === 'flip-header-byte' ? 0 : pick(m.kind === 'flip-hash-byte' ? events : checkpoints, m.line);
      if (i < 0) return null;
      const rec = JSON.parse(out[i]);
      const value = rec[m.field];
      rec[m.field] = typeof value === 'number' ? value + 1 + (m.offset % 3) : flipChar(String(value), m.offset);
      out[i] = JSON.stringify(rec);
      return out;
    }
    case 'change-seq': {
      const i = pick(events, m.line);
      if (i < 0) return null;
      const rec = JSON.parse(out[i]);
      rec.seq += m.delta;
      out[i] = JSON.stringify(rec);
      return out;
    }
    case 'delete-event': {
      const i = pick(events, m.line);
      if (i < 0) return null;
      out.splice(i, 1);
      return out;
    }
    case 'duplicate-event': {
      const i = pick(events, m.line);
      if (i < 0) return null;
      out.splice(i + 1, 0, out[i]);
      return out;
    }
    case 'swap-events': {
      const pairs = events.filter((i) => events.includes(i + 1));
      const i = pick(pairs, m.line);
      if (i < 0) return null;
      [out[i], out[i + 1]] = [out[i + 1], out[i]];
      return out;
    }
    case 'cut-tail': {
      // Keep at least the header; a cut that removes the covering checkpoint must be caught.
      const count = Math.min(m.count, out.length - 1);
      return count < 1 ? null : out.slice(0, out.length - count);
    }
  }
}

/**
 * Whether a cut left a bundle that is still complete: ending on a signed checkpoint
 * (a valid, shorter export), or the header alone (no event, so nothing to vouch for).
 */
function stillComplete(lines: string[]): boolean {
  return lines.length === 1 || lines[lines.length - 1].startsWith('{"kind":"checkpoint"');
}

const dataArb = fc
  .jsonValue({ maxDepth: 2 })
  .filter((v) => {
    try {
      return !canonicalize(v).includes('\\u0000');
    } catch {
      return false;
    }
  });

const eventArb = fc.record({
  stream: fc.constantFrom('alpha', 'beta', 'gamma-1'),
  type: fc.constantFrom('CriterionScored', 'BlockDecided', 'X1', 'Erased.v2'),
  data: dataArb,
  actor: fc.string({ maxLength: 8 }),
  role: fc.constantFrom('admin', 'jury', 'assessor'),
});

describe('property: random logs, random single mutations of their export', () => {
  let t: TestDatabase;
  let store: PostgresEventStore;
  let key: TestKey;
  let appended = 0;

  beforeAll(async () => {
    t = await serverDatabase();
    await migrate(t.db.pool, LEDGER_MIGRATIONS, 'ledger');
    store = new PostgresEventStore(t.db.pool);
    key = newKey();
  });
  afterAll(() => t.dispose());

  const witness = { name: 'witness.property', ...keyFromSeed('property witness') };
  let witnessRegistered = false;
  const meta = () => ({ actor: { id: 'witness-operator', role: 'regulator' }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() });
  /** Appends what the cosignature route appends (registering the witness first, once); answers the number of events. */
  async function cosignCheckpointEvent(cp: SignedCheckpoint): Promise<number> {
    const publicKey = rawPublicKey(witness.publicKeyPem).toString('base64');
    let count = 0;
    if (!witnessRegistered) {
      await store.append(`witness-${witness.name}`, [{ type: 'WitnessRegistered', data: { name: witness.name, publicKey, keyFingerprint: 'sha256:' }, metadata: meta() }], { expectedVersion: 'no-stream' });
      witnessRegistered = true;
      count++;
    }
    const timestamp = 1_767_225_600 + cp.size;
    const { signature } = cosignCheckpoint(cp, witness.name, witness.privateKey, timestamp);
    const data = { witness: witness.name, publicKey, origin: cp.origin, size: cp.size, head: cp.head, signature, timestamp, previousSize: null };
    await store.append(`cosignature-${witness.name}@${cp.size}`, [{ type: 'CheckpointCosigned', data, metadata: meta() }], { expectedVersion: 'any' });
    return count + 1;
  }

  it('every mutation is detected and no intact bundle is rejected', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 0, maxLength: 12 }),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(),
        fc.array(mutationArb, { minLength: 3, maxLength: 3 }),
        fc.boolean(),
        async (events, every, fromPick, mutations, cosign) => {
          // The log grows across runs: each run appends a random batch, as production would.
          for (const e of events) {
            await store.append(`${e.stream}`, [{
              type: e.type,
              data: e.data,
              metadata: { actor: { id: e.actor, role: e.role }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() },
            }], { expectedVersion: 'any' });
          }
          appended += events.length;
          const sealer = newSealer(t.db.pool, key, { checkpointEvery: every, batchSize: 3 });
          await sealAtLeast(sealer, appended);
          let cp = await sealer.checkpointNow();
          if (cosign) {
            appended += await cosignCheckpointEvent(cp);
            await sealAtLeast(sealer, appended);
            cp = await sealer.checkpointNow();
          }
          const from = 1 + (fromPick % (cp.size + 1));
          const bundle = await exportLines(t.db.pool, key, cp, from);

          const intact = await verifyBundle(bundle, { publicKeyPem: key.publicKeyPem });
          expect(intact).toMatchObject({ ok: true, lastSeq: cp.size, head: cp.head, cosignatures: bundle.filter((l) => l.includes('"type":"CheckpointCosigned"')).length });

          for (const m of mutations) {
            const tampered = mutate(bundle, m);
            if (tampered === null) continue;
            if (m.kind === 'cut-tail' && stillComplete(tampered)) {
              // A cut right after a signed checkpoint is a valid, shorter export: the
              // append-only check against the full one is what exposes it.
              const last = JSON.parse(tampered[tampered.length - 1]);
              const covers = tampered.length === 1 ? last.from - 1 : last.size;
              if (covers < cp.size) expect((await verifyBundle(tampered, { previous: cp })).ok).toBe(false);
              continue;
            }
            if (m.kind === 'flip-header-byte' && m.field === 'publicKey' && sameKey(bundle[0], tampered[0])) continue;
            const result = await verifyBundle(tampered);
            if (result.ok) throw new Error(`mutation not detected: ${JSON.stringify(m)}`);
          }
        },
      ),
      { numRuns: 20 },
    );
    // Sealing reads only below the cluster's oldest open transaction (the gap-safe horizon), so suites
    // of other schemas holding transactions open in the same run slow each of the 20 runs down.
  }, 180_000);
});
