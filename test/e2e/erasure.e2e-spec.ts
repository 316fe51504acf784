import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '@app/event-store/event-store';
import { leafHash } from '@app/proof/canonical';
import { verifyBundle } from '@app/proof/verify-bundle';
import { IdentityViews } from '@app/platform/personal-data/identity-view';
import { ERASED, isSealed, PersonalDataVault } from '@app/platform/personal-data/vault';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { TEST_DATABASE_URL } from '../support/databases';
import { startTestApp, TestApp } from '../support/app';
import { discoverRoutes } from '../support/routes';

/** Distinctive plaintexts: each holds an ASCII marker, so JSON escaping of accents cannot hide a copy. */
const IDENTITY = {
  givenName: 'Zéphyrine-Qx7Given',
  familyName: 'Wojtaszczyk-Qx7Family',
  birthDate: '1931-02-03',
  email: 'qx7.zephyrine@erasure-test.example',
};
const JUSTIFICATION = 'Qx7Justification: severe dyslexia, certificate of Dr Qx7Doctor';
const DETAILS = 'Qx7Details: reader and separate room';
const PLAINTEXTS = [IDENTITY.givenName, 'Qx7Given', IDENTITY.familyName, 'Qx7Family', IDENTITY.birthDate, IDENTITY.email, 'Qx7Justification', 'Qx7Doctor', 'Qx7Details'];

describe('POST /v1/candidates/{id}/erasure (crypto-shredding)', () => {
  let t: TestApp;
  let admin: string;
  let served: Set<string>;
  const logs: string[] = [];
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const auth = (req: ReturnType<ReturnType<TestApp['http']>['get']>, bearer = admin) => req.set('Authorization', `Bearer ${bearer}`);
  const vault = () => t.app.get(PersonalDataVault);
  const store = () => t.app.get<EventStore>(EVENT_STORE);

  beforeAll(async () => {
    // Every line the app logs, at the most verbose level, is kept to be searched afterwards.
    const capture = (chunk: unknown) => {
      logs.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    t = await startTestApp({ env: { LOG_LEVEL: 'trace' } });
    admin = await t.token('admin-1', ['admin'], 'Ada Admin');
    served = new Set(discoverRoutes(t.app).map((r) => `${r.method} ${r.path.replace(/:[A-Za-z0-9_]+/g, ':id')}`));
  });
  afterAll(async () => {
    await t?.close();
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
  });

  /** Through the API when the candidate routes are served; otherwise sealed and appended as their handlers would. */
  async function registerCandidate(): Promise<string> {
    if (served.has('POST /v1/candidates')) {
      const res = await auth(t.http().post('/v1/candidates')).send({ ...IDENTITY, accessRoute: 'continuing-education' });
      expect(res.status).toBe(201);
      return res.body.id;
    }
    const id = randomUUID();
    await append(id, 'CandidateRegistered', { candidateId: id, identity: await vault().seal(id, IDENTITY), accessRoute: 'continuing-education' });
    return id;
  }

  async function requestAccommodation(id: string): Promise<void> {
    if (served.has('POST /v1/candidates/:id/accommodations')) {
      const res = await auth(t.http().post(`/v1/candidates/${id}/accommodations`)).send({ accommodations: [{ type: 'other', details: DETAILS }], justification: JUSTIFICATION });
      expect(res.status).toBe(201);
      return;
    }
    await append(id, 'AccommodationRequested', {
      candidateId: id,
      requestId: randomUUID(),
      accommodations: [{ type: 'other', details: await vault().seal(id, DETAILS) }],
      justification: await vault().seal(id, JUSTIFICATION),
    });
  }

  async function append(id: string, type: string, data: unknown) {
    const metadata = { actor: { id: 'admin-1', role: 'admin' }, correlationId: randomUUID(), causationId: randomUUID(), recordedAt: new Date().toISOString() };
    await store().append(`candidate-${id}`, [{ type, data, metadata }], { expectedVersion: 'any' });
  }

  /** The whole schema as pg_dump writes it: every table, read models and keys included. */
  function dumpSchema(): string {
    return execFileSync('pg_dump', ['--data-only', `--schema=${t.schema}`, TEST_DATABASE_URL], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  }

  const leaks = (text: string) => PLAINTEXTS.filter((p) => text.toLowerCase().includes(p.toLowerCase()));

  it('erases: afterwards the database, the read models, the answers and the logs hold none of the plaintext, and the log still verifies', async () => {
    const id = await registerCandidate();
    await requestAccommodation(id);

    // Before: the identity is readable (so the searches below can fail).
    const registered = (await store().readStream(`candidate-${id}`)).find((e) => e.type === 'CandidateRegistered')!;
    expect(isSealed(registered.data.identity)).toBe(true);
    expect(await vault().open(registered.data.identity)).toEqual(IDENTITY);
    expect((await t.app.get(IdentityViews).identity(id, registered.data.identity, 'admin')).status).toBe('identified');

    // Just registered: the retention period is running.
    const early = await auth(t.http().post(`/v1/candidates/${id}/erasure`)).send({ reason: 'data subject request, ticket GDPR-4411' });
    expect(early.status).toBe(422);
    expect(early.body.code).toBe('RETENTION_PERIOD_NOT_OVER');

    const erased = await auth(t.http().post(`/v1/candidates/${id}/erasure`)).send({ reason: 'data subject request, ticket GDPR-4411', overrideRetention: true });
    expect(erased.status).toBe(201);
    expect(erased.body).toMatchObject({ id, version: expect.any(Number), position: expect.any(Number), beforeRetentionEnd: true });
    expect(erased.headers.etag).toBe(`"${erased.body.version}"`);

    const events = await store().readStream(`candidate-${id}`);
    expect(events[events.length - 1]).toMatchObject({
      type: 'CandidatePersonalDataErased',
      data: { candidateId: id, reason: 'data subject request, ticket GDPR-4411', beforeRetentionEnd: true },
      metadata: { actor: { id: 'admin-1', role: 'admin' } },
    });

    // The key is gone: every sealed value of this candidate is unreadable, readers show "[erased]".
    expect(await vault().isErased(id)).toBe(true);
    expect(await vault().open(registered.data.identity)).toBeNull();
    expect(await t.app.get(IdentityViews).identity(id, registered.data.identity, 'admin')).toMatchObject({ status: 'erased', givenName: ERASED, email: ERASED });
    await expect(vault().seal(id, { givenName: 'again' })).rejects.toMatchObject({ code: 'PERSONAL_DATA_ERASED' });

    // Read routes over this candidate, when served, show no plaintext either.
    const reads = [...served].filter((r) => r.startsWith('GET /v1/candidates/:id')).map((r) => r.slice(4).replace(':id', id));
    for (const path of reads) {
      const res = await auth(t.http().get(path)).set('X-Min-Position', String(erased.body.position));
      expect(res.status).toBeLessThan(500);
      expect({ path, leaks: leaks(JSON.stringify(res.body)) }).toEqual({ path, leaks: [] });
    }
    // Projections have had their chance to run on the erasure (or the wait above already covered it).
    await new Promise((r) => setTimeout(r, 300));

    const dump = dumpSchema();
    expect(dump).toContain('CandidatePersonalDataErased'); // the dump is of the right schema
    expect(leaks(dump)).toEqual([]);

    // Hashes cover the ciphertext, which did not change: every event still matches its leaf hash.
    const all = await store().readAll({ limit: 100_000 });
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const e of all) {
      const { eventId, streamId, version, type, schemaVersion, data, metadata } = e;
      expect(leafHash({ eventId, streamId, version, type, schemaVersion, data, metadata })).toBe(e.hash);
    }

    // The exported ledger, when the audit routes are served, still verifies offline and holds no plaintext.
    if (served.has('GET /v1/audit/export')) {
      const exported = await auth(t.http().get('/v1/audit/export')).set('X-Min-Position', String(erased.body.position)).buffer(true).parse((res, cb) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => cb(null, text));
      });
      expect(exported.status).toBe(200);
      expect(leaks(exported.body as string)).toEqual([]);
      const dir = mkdtempSync(join(tmpdir(), 'cert-export-'));
      try {
        writeFileSync(join(dir, 'bundle.ndjson'), exported.body as string);
        expect(await verifyBundle(join(dir, 'bundle.ndjson'))).toMatchObject({ ok: true });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }

    // Logs were written (the search is not vacuous), and hold neither the plaintext nor a token.
    const logText = logs.join('');
    expect(logText).toMatch(/erasure/);
    expect(leaks(logText)).toEqual([]);
    expect(logText).not.toContain(admin);
    expect(logText).not.toContain(admin.split('.')[2]);
  });

  it('a second erasure is a 409; an unknown candidate a 404; a missing reason a 400; another role a 403', async () => {
    const id = await registerCandidate();
    expect((await auth(t.http().post(`/v1/candidates/${id}/erasure`)).send({ reason: 'court order 12/345', overrideRetention: true })).status).toBe(201);
    const again = await auth(t.http().post(`/v1/candidates/${id}/erasure`)).send({ reason: 'court order 12/345', overrideRetention: true });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('PERSONAL_DATA_ALREADY_ERASED');
    expect((await auth(t.http().post(`/v1/candidates/${randomUUID()}/erasure`)).send({ reason: 'x', overrideRetention: true })).status).toBe(404);
    expect((await auth(t.http().post(`/v1/candidates/not-a-uuid/erasure`)).send({ reason: 'x', overrideRetention: true })).status).toBe(404);
    for (const body of [{}, { reason: '' }, { reason: 'x'.repeat(1001) }, { reason: 'x', overrideRetention: 'yes' }, { reason: 'x', candidateName: 'smuggled' }]) {
      const res = await auth(t.http().post(`/v1/candidates/${id}/erasure`)).send(body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
    }
    for (const role of ['assessor', 'referent', 'jury', 'regulator'] as const) {
      const res = await auth(t.http().post(`/v1/candidates/${id}/erasure`), await t.token('u', [role])).send({ reason: 'x', overrideRetention: true });
      expect(res.status).toBe(403);
    }
  });

  it('finishes the shredding when the event was written but the key survived (a crash between the two steps)', async () => {
    const id = await registerCandidate();
    await append(id, 'CandidatePersonalDataErased', { candidateId: id, reason: 'interrupted', beforeRetentionEnd: true });
    expect(await vault().isErased(id)).toBe(false);
    const res = await auth(t.http().post(`/v1/candidates/${id}/erasure`)).send({ reason: 'interrupted', overrideRetention: true });
    expect(res.status).toBe(201);
    expect(await vault().isErased(id)).toBe(true);
    const erasures = (await store().readStream(`candidate-${id}`)).filter((e) => e.type === 'CandidatePersonalDataErased');
    expect(erasures).toHaveLength(1);
  });

  it('after the retention period no override is needed, and the event says so', async () => {
    const id = randomUUID();
    const old = new Date(Date.now() - 6 * 366 * 24 * 3600 * 1000).toISOString();
    const metadata = { actor: { id: 'admin-1', role: 'admin' }, correlationId: randomUUID(), causationId: null, recordedAt: old };
    await store().append(`candidate-${id}`, [{ type: 'CandidateRegistered', data: { candidateId: id, identity: await vault().seal(id, IDENTITY), accessRoute: 'vae' }, metadata }], { expectedVersion: 'no-stream' });
    // The store keeps the metadata's recordedAt: this file's last event is six years old.
    expect((await store().readStream(`candidate-${id}`))[0].recordedAt).toBe(old);
    const res = await auth(t.http().post(`/v1/candidates/${id}/erasure`)).send({ reason: 'retention period over' });
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 201, body: { beforeRetentionEnd: false } });
  });
});
