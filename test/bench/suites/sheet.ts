import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@app/event-store/database';
import type { NewEvent } from '@app/event-store/event-store';
import type { BigLog } from '../big-log';
import { ACTOR, round } from '../lib';

/**
 * Suite 6: the first page of a session's deliberation sheet (the query behind
 * `GET /v1/sessions/{id}/candidates`, as an admin reads it: every identity of
 * the session opened to sort by name), for a session of `candidates`
 * candidates appended through the event store after the large log, with the
 * back-office projection rebuilt over the whole log.
 */
export interface SheetResult {
  logEvents: number;
  candidates: number;
  rebuildMs: number;
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  via: string;
}

const root = join(__dirname, '..', '..', '..');

export function sheetAvailable(): boolean {
  return existsSync(join(root, 'apps', 'api', 'src', 'sessions', 'deliberation-sheet', 'deliberation-sheet.reader.ts'));
}

const FAMILY = ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefèvre', 'Michel', 'Garcia'];
const GIVEN = ['Élodie', 'Camille', 'Léa', 'Hugo', 'Lucas', 'Chloé', 'Inès', 'Louis', 'Jules', 'Zoé', 'Adam', 'Emma'];

export async function sheetSuite(db: Database, log: BigLog, candidates: number, samples = 30): Promise<SheetResult> {
  const { PostgresEventStore } = await import('@app/event-store/postgres-event-store');
  const { PersonalDataVault } = await import('@app/platform/personal-data/vault');
  const { loadKeyEncryptionKeys } = await import('@app/platform/personal-data/kek');
  const { IdentityViews } = await import('@app/platform/personal-data/identity-view');
  const { WhoSeesWhat } = await import('@app/platform/personal-data/who-sees-what');
  const { StreamStates } = await import('@app/platform/commands/stream-states');
  const { sharedDataSource } = await import('@app/projections/engine/data-source');
  const { ProjectionRuntime } = await import('@app/projections/engine/projection-runtime');
  const { PROJECTIONS } = await import('@app/projections/projections');
  const { READ_MODEL_ENTITIES } = await import('@app/projections/read-model-entities');
  const { BACK_OFFICE } = await import('@app/projections/back-office/back-office.projection');
  const { BackOfficeQuery } = await import('@app/projections/back-office/back-office.query');
  const { DeliberationSheetReader } = await import('../../../apps/api/src/sessions/deliberation-sheet/deliberation-sheet.reader');

  const dataDir = mkdtempSync(join(tmpdir(), 'bench-sheet-'));
  try {
    const store = new PostgresEventStore(db.pool, { signal: db.signal });
    const vault = new PersonalDataVault(db, loadKeyEncryptionKeys({ previousFiles: [], production: false }, dataDir));
    await vault.onModuleInit();
    const meta = (): NewEvent['metadata'] => ({ actor: ACTOR, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() });
    const sessionId = randomUUID();
    await store.append(
      `session-${sessionId}`,
      [{ type: 'SessionOpened', data: { sessionId, referentialId: log.referentialId, title: 'Session du banc', startsOn: '2026-06-01', endsOn: '2026-06-30' }, metadata: meta() }],
      { expectedVersion: 'no-stream' },
    );
    // Candidates registered with real sealed identities and enrolled, 100 files per transaction.
    for (let c0 = 0; c0 < candidates; c0 += 100) {
      const writes = [];
      for (let c = c0; c < Math.min(candidates, c0 + 100); c++) {
        const candidateId = randomUUID();
        const identity = await vault.seal(candidateId, { familyName: FAMILY[c % FAMILY.length], givenName: `${GIVEN[c % GIVEN.length]} ${c}`, birthDate: '1990-01-01', email: `c${c}@example.org` });
        writes.push({
          streamId: `candidate-${candidateId}`,
          expectedVersion: 'no-stream' as const,
          events: [
            { type: 'CandidateRegistered', data: { candidateId, identity, accessRoute: 'vae' }, metadata: meta() },
            { type: 'CandidateEnrolled', data: { candidateId, sessionId, referentialId: log.referentialId, blocks: ['BC01', 'BC02', 'BC03', 'BC04'] }, metadata: meta() },
          ],
        });
      }
      await store.appendMany(writes);
    }

    const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
    const dataSource = await sharedDataSource(db, READ_MODEL_ENTITIES);
    const runtime = new ProjectionRuntime(db, store, PROJECTIONS, { logger: quiet });
    await runtime.init();
    const t0 = performance.now();
    const { events } = await runtime.rebuild(BACK_OFFICE);
    const rebuildMs = Math.round(performance.now() - t0);

    const states = new StreamStates(store);
    const config = { security: undefined } as unknown as ConstructorParameters<typeof IdentityViews>[1];
    const who = new WhoSeesWhat(states, db, new IdentityViews(vault, config), vault);
    const reader = new DeliberationSheetReader(new BackOfficeQuery(dataSource), who, vault, store);
    const admin = { id: 'bench-admin', roles: ['admin' as const] };
    const times: number[] = [];
    for (let i = 0; i < samples + 3; i++) {
      const started = performance.now();
      const view = await reader.viewOf(admin, sessionId);
      const page = await reader.page(view, sessionId, {}, 50, undefined);
      const ms = performance.now() - started;
      if (page.items.length !== Math.min(50, candidates)) throw new Error(`the first page has ${page.items.length} items`);
      if (i >= 3) times.push(ms);
    }
    times.sort((a, b) => a - b);
    const pick = (q: number) => round(times[Math.min(times.length - 1, Math.floor(q * times.length))], 1);
    return {
      logEvents: events,
      candidates,
      rebuildMs,
      samples,
      p50Ms: pick(0.5),
      p95Ms: pick(0.95),
      maxMs: round(times[times.length - 1], 1),
      via: 'DeliberationSheetReader.viewOf + page (the query of GET /v1/sessions/{id}/candidates, admin, 50 items)',
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
