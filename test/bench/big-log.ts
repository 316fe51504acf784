import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { canonicalize, leafHashOfCanonical } from '@app/proof/canonical';
import { ACTOR, log } from './lib';

/**
 * The large log of suites 3-5: `candidates` × `perCandidate` events written
 * straight into `events`/`streams` with multi-row INSERTs (what a years-old
 * production log looks like, without waiting for the command path). Each
 * statement is its own transaction, so transaction ids advance as in real
 * life, and every row carries its true leaf hash.
 *
 * Candidates are assessed in cohorts of 100 whose events interleave (a session
 * being scored), not one candidate after another: projections see the mix
 * they see in production.
 */
export interface BigLog {
  events: number;
  candidates: string[];
  referentialId: string;
  sessionId: string;
  /** recordedAt of the first event; each later event is one second later. */
  startsAt: number;
  loadMs: number;
}

export const BLOCKS = ['BC01', 'BC02', 'BC03', 'BC04'];
export const CRITERIA_PER_BLOCK = 25;

export function referentialDocument(code = 'RNCP99999') {
  return {
    code,
    title: 'Benchmark certification',
    level: 6,
    certifier: 'Benchmark',
    validationRule: 'all-criteria',
    blocks: BLOCKS.map((block, b) => ({
      code: block,
      title: `Block ${b + 1}`,
      activities: [{ code: `A${b + 1}`, title: 'activity', tasks: [{ code: `T${b + 1}`, title: 'task' }] }],
      competences: [
        {
          code: `C${b + 1}`,
          title: `Competence ${b + 1}`,
          criteria: Array.from({ length: CRITERIA_PER_BLOCK }, (_, k) => ({ code: `CE${b + 1}.${k + 1}`, text: `Criterion ${b + 1}.${k + 1}`, core: k < 3 })),
        },
      ],
    })),
  };
}

interface Row {
  streamId: string;
  version: number;
  eventId: string;
  type: string;
  data: string;
  metadata: string;
  recordedAt: string;
  hash: string;
}

function row(streamId: string, version: number, type: string, data: unknown, at: number): Row {
  const eventId = randomUUID();
  const recordedAt = new Date(at).toISOString();
  const d = canonicalize(data);
  const m = canonicalize({ actor: ACTOR, correlationId: randomUUID(), causationId: randomUUID(), recordedAt });
  const hash = leafHashOfCanonical({ eventId, streamId, version, type, schemaVersion: 1, data: d, metadata: m });
  return { streamId, version, eventId, type, data: d, metadata: m, recordedAt, hash };
}

async function insertRows(pool: Pool, rows: Row[]): Promise<void> {
  await pool.query(
    `INSERT INTO events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at, hash)
     SELECT s, v, e, t, 1, d::jsonb, m::jsonb, r::timestamptz, h
       FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS x(s, v, e, t, d, m, r, h)`,
    [rows.map((r) => r.streamId), rows.map((r) => r.version), rows.map((r) => r.eventId), rows.map((r) => r.type), rows.map((r) => r.data), rows.map((r) => r.metadata), rows.map((r) => r.recordedAt), rows.map((r) => r.hash)],
  );
}

export async function loadBigLog(pool: Pool, candidates: number, perCandidate = 100, cohort = 100): Promise<BigLog> {
  const t0 = performance.now();
  const referentialId = randomUUID();
  const sessionId = randomUUID();
  const startsAt = Date.UTC(2025, 0, 1);
  let at = startsAt;
  const document = referentialDocument();
  await insertRows(pool, [
    row(`referential-${referentialId}`, 1, 'ReferentialDrafted', { referentialId, version: 1, document }, at++),
    row(`referential-${referentialId}`, 2, 'ReferentialPublished', { referentialId, code: document.code, version: 1 }, at++),
  ]);
  await pool.query(`INSERT INTO streams (stream_id, version) VALUES ($1, 2)`, [`referential-${referentialId}`]);
  const ids = Array.from({ length: candidates }, () => randomUUID());
  const chunk = 5000;
  let pending: Row[] = [];
  let written = 2;
  for (let c0 = 0; c0 < ids.length; c0 += cohort) {
    const group = ids.slice(c0, c0 + cohort);
    for (let k = 0; k < perCandidate; k++) {
      for (const candidateId of group) {
        const stream = `candidate-${candidateId}`;
        let type: string;
        let data: unknown;
        if (k === 0) {
          type = 'CandidateRegistered';
          data = { candidateId, identity: { alg: 'A256GCM', kid: candidateId, iv: 'AAAAAAAAAAAAAAAA', ct: 'c2VhbGVkIGlkZW50aXR5IG9mIHRoZSBjYW5kaWRhdGU', tag: 'AAAAAAAAAAAAAAAAAAAAAA' }, accessRoute: 'vae' };
        } else if (k === 1) {
          type = 'CandidateEnrolled';
          data = { candidateId, sessionId, referentialId, blocks: BLOCKS };
        } else {
          const n = k - 2;
          const b = n % BLOCKS.length;
          const criterion = `CE${b + 1}.${Math.floor(n / BLOCKS.length) + 1}`;
          type = 'CriterionScored';
          data = { candidateId, sessionId, block: BLOCKS[b], criterion, result: n % 7 === 3 ? 'not-acquired' : 'acquired', comment: 'Observed during the practical case study; evidence filed.' };
        }
        pending.push(row(stream, k + 1, type, data, at++));
        if (pending.length >= chunk) {
          await insertRows(pool, pending);
          written += pending.length;
          pending = [];
        }
      }
    }
    if (pending.length) {
      await insertRows(pool, pending);
      written += pending.length;
      pending = [];
    }
    await pool.query(`INSERT INTO streams (stream_id, version) SELECT unnest($1::text[]), $2`, [group.map((id) => `candidate-${id}`), perCandidate]);
    if ((c0 / cohort) % 10 === 9) log(`  loaded ${written} events…`);
  }
  await pool.query('ANALYZE events');
  await pool.query('ANALYZE streams');
  return { events: written, candidates: ids, referentialId, sessionId, startsAt, loadMs: Math.round(performance.now() - t0) };
}
