import { generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { PostgresEventStore } from '../postgres-event-store';
import { LedgerKey, openExport } from '../ledger/ledger-reader';
import { LedgerSealer, SealerOptions } from '../ledger/sealer';
import { chainHash, keyFingerprint, leafHash, signCheckpoint, type SignedCheckpoint } from '@app/proof/canonical';

/** Test helpers for the ledger suites (not used by the application). */

export interface TestKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  fingerprint: string;
}

export function newKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem, fingerprint: keyFingerprint(publicKeyPem) };
}

export const ORIGIN = 'urn:test:ledger';

export function ledgerKey(key: TestKey): LedgerKey {
  return { origin: ORIGIN, publicKeyPem: key.publicKeyPem, keyFingerprint: key.fingerprint };
}

export function sealer(pool: Pool, key: TestKey, overrides: Partial<SealerOptions> = {}): LedgerSealer {
  return new LedgerSealer(pool, {
    origin: ORIGIN,
    privateKey: key.privateKey,
    keyFingerprint: key.fingerprint,
    checkpointEvery: 10,
    checkpointSeconds: 3600,
    ...overrides,
  });
}

export function testEvent(n: number, actor = 'user-1') {
  return {
    type: 'TestHappened',
    data: { n, text: `event ${n}`, nested: { list: [n, 'x'], flag: n % 2 === 0 } },
    metadata: { actor: { id: actor, role: 'admin' }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() },
  };
}

export async function appendEvents(store: PostgresEventStore, count: number, start = 0): Promise<void> {
  for (let i = start; i < start + count; i++) await store.append(`stream-${i % 4}`, [testEvent(i)], { expectedVersion: 'any' });
}

/** The bundle as lines (no trailing empty line), as GET /v1/audit/export would stream it. */
export async function exportLines(pool: Pool, key: TestKey, checkpoint: SignedCheckpoint, from = 1): Promise<string[]> {
  const bundle = await openExport(pool, ledgerKey(key), from, checkpoint);
  let text = '';
  for await (const chunk of bundle.chunks) text += chunk;
  expectTrailingNewline(text);
  return text.split('\n').slice(0, -1);
}

function expectTrailingNewline(text: string): void {
  if (!text.endsWith('\n')) throw new Error('a bundle ends with a newline');
}

/**
 * What a forger with database access but without the signing key can do: change
 * the records, then recompute every seq, leaf and chain and re-sign every
 * checkpoint with a key of their own, which they put in the header.
 */
export function forge(lines: string[], forgerKey: TestKey, mutate: (records: any[]) => any[] = (r) => r): string[] {
  const records = mutate(lines.map((l) => JSON.parse(l)));
  const header = records[0];
  header.publicKey = forgerKey.publicKeyPem;
  header.keyFingerprint = forgerKey.fingerprint;
  let head = header.previousHead;
  let seq = header.from - 1;
  for (const rec of records.slice(1)) {
    if (rec.kind === 'event') {
      rec.seq = ++seq;
      rec.leaf = leafHash(rec.event);
      rec.chain = head = chainHash(head, rec.leaf);
    } else if (rec.kind === 'checkpoint') {
      Object.assign(rec, signCheckpoint({ origin: rec.origin, size: seq, head, time: rec.time }, forgerKey.privateKey));
    }
  }
  return records.map((r) => JSON.stringify(r));
}

/**
 * Seals until the ledger holds at least `size` events. Gap-safe sealing only
 * reaches transactions older than every one still running in the whole cluster,
 * so another session's open transaction (another suite, another engineer) can
 * hold it back for a moment: tests wait for it rather than assume it.
 */
export async function sealAtLeast(sealer: LedgerSealer, size: number, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sealed = await sealer.sealAll();
    if (sealed >= size) return sealed;
    if (Date.now() > deadline) throw new Error(`sealed ${sealed} events, expected at least ${size}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
