import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { appendEvents } from '@app/event-store/testing/ledger-test-kit';
import { LedgerService } from '@app/platform/ledger/ledger.service';
import { verifyBundle } from '@app/proof/verify-bundle';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { run as auditExport } from '../../apps/cli/src/commands/audit-export.command';
import { run as auditVerify } from '../../apps/cli/src/commands/audit-verify.command';
import { run as keysRotate } from '../../apps/cli/src/commands/keys-rotate.command';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { keyFingerprint } from '@app/proof/canonical';
import { startTestApp, TestApp } from '../support/app';
import { TEST_DATABASE_URL } from '../support/databases';

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('Audit ledger over HTTP and the CLI', () => {
  let t: TestApp;
  let store: PostgresEventStore;
  let regulator: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { LEDGER_CHECKPOINT_EVERY: '5', LEDGER_CHECKPOINT_SECONDS: '3600' } });
    store = t.app.get(EVENT_STORE);
    regulator = `Bearer ${await t.token('reg-1', ['regulator'])}`;
    admin = `Bearer ${await t.token('admin-1', ['admin'])}`;
    await appendEvents(store, 12);
  });
  afterAll(async () => t?.close());

  /** Committed events reach the ledger once no older transaction in the cluster is still open: wait, don't assume. */
  const sealed = async (size: number) => {
    const ledger = t.app.get(LedgerService);
    const deadline = Date.now() + 20_000;
    while ((await ledger.sealedUpTo()) < size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await ledger.sealedUpTo()).toBeGreaterThanOrEqual(size);
  };
  const get = (path: string, auth = regulator) => t.http().get(path).set('Authorization', auth);
  const exportText = (path = '/v1/audit/export') =>
    get(path).buffer(true).parse((r, done) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (text += c));
      r.on('end', () => done(null, text));
    });

  it('the background sealer seals appended events and signs checkpoints every LEDGER_CHECKPOINT_EVERY events', async () => {
    await sealed(12);
    const status = await get('/v1/audit/status');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ sealedSeq: 12, unsealedEvents: 0, lagPositions: 0, running: true, halted: null });
    const cps = await get('/v1/audit/checkpoints');
    expect(cps.status).toBe(200);
    expect(cps.body.map((c: { size: number }) => c.size)).toEqual([10, 5]);
    const metrics = await t.http().get('/metrics').set('Authorization', admin);
    expect(metrics.text).toMatch(/^ledger_sealed_events 12$/m);
    expect(metrics.text).toMatch(/^ledger_lag_events 0$/m);
    expect(metrics.text).toMatch(/^ledger_checkpoint_age_seconds \d/m);
  });

  it('GET /v1/audit/export streams a bundle that verifies offline against the served public key', async () => {
    const res = await exportText();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(res.headers['x-ledger-size']).toBe('12');
    const key = await get('/v1/audit/public-key?format=pem', `Bearer ${await t.token('jury-1', ['jury'])}`);
    expect(key.status).toBe(200);
    expect(key.text).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const result = await verifyBundle(lines(res.body), { publicKeyPem: key.text });
    expect(result).toMatchObject({ ok: true, events: 12, lastSeq: 12, checkpoints: 3 });
    const json = await get('/v1/audit/public-key');
    expect(json.body).toEqual({ publicKey: key.text, keyFingerprint: result.ok && result.keyFingerprint, origin: expect.any(String), algorithm: 'Ed25519' });
  });

  it('?from=N gives an increment that, with the earlier export as --previous, proves append-only', async () => {
    const first = await exportText();
    const older = lines(first.body);
    const previous = JSON.parse(older[older.length - 1]);
    await appendEvents(store, 4, 50);
    await sealed(previous.size + 4);
    const inc = await exportText(`/v1/audit/export?from=${previous.size + 1}`);
    expect(inc.status).toBe(200);
    const result = await verifyBundle(lines(inc.body), { previous });
    expect(result).toMatchObject({ ok: true, from: previous.size + 1, lastSeq: previous.size + 4 });
  });

  it('X-Min-Position waits until the client\'s own write is sealed (read-your-writes), 503 when it cannot be', async () => {
    const written = await store.append('stream-rw', [{ type: 'TestHappened', data: { rw: true }, metadata: { actor: { id: 'u', role: 'admin' }, correlationId: 'c', causationId: null, recordedAt: new Date().toISOString() } }], { expectedVersion: 'any' });
    const res = await exportText().set('X-Min-Position', String(written.lastPosition));
    expect(res.status).toBe(200);
    expect(lines(res.body).some((l) => l.includes(`"position":${written.lastPosition},`))).toBe(true);
    expect((await get('/v1/audit/events?limit=1000').set('X-Min-Position', String(written.lastPosition))).body.map((e: { position: number }) => e.position)).toContain(written.lastPosition);
    expect((await get('/v1/audit/events').set('X-Min-Position', 'soon')).status).toBe(400);
    const lagging = await get('/v1/audit/events').set('X-Min-Position', String(written.lastPosition + 1000));
    expect([lagging.status, lagging.body.code, lagging.headers['retry-after']]).toEqual([503, 'LEDGER_LAGGING', '2']);
  });

  it('refuses bad export and paging parameters with 400, never 500', async () => {
    for (const path of ['/v1/audit/export?from=0', '/v1/audit/export?from=abc', '/v1/audit/export?from=999999', '/v1/audit/events?limit=1001', '/v1/audit/events?after=-1', '/v1/audit/checkpoints?limit=x', '/v1/audit/public-key?format=der']) {
      const res = await get(path);
      expect([path, res.status, res.body.code]).toEqual([path, 400, 'VALIDATION_FAILED']);
    }
  });

  it('GET /v1/audit/events pages the sealed events in ledger order with their hashes', async () => {
    const page = await get('/v1/audit/events?after=2&limit=3', admin);
    expect(page.status).toBe(200);
    expect(page.body.map((e: { seq: number }) => e.seq)).toEqual([3, 4, 5]);
    expect(page.body[0]).toEqual({
      seq: 3,
      position: expect.any(Number),
      leaf: expect.stringMatching(/^[0-9a-f]{64}$/),
      chain: expect.stringMatching(/^[0-9a-f]{64}$/),
      event: expect.objectContaining({ type: 'TestHappened', metadata: expect.objectContaining({ actor: { id: 'user-1', role: 'admin' } }) }),
    });
    expect((await get('/v1/audit/events', admin)).body.length).toBeGreaterThanOrEqual(17);
  });

  it('audit routes are for regulators and admins (the public key also for juries)', async () => {
    const assessor = `Bearer ${await t.token('ass-1', ['assessor'])}`;
    for (const path of ['/v1/audit/export', '/v1/audit/verify', '/v1/audit/events', '/v1/audit/checkpoints', '/v1/audit/public-key', '/v1/audit/status']) {
      expect([path, (await get(path, assessor)).status]).toEqual([path, 403]);
      expect([path, (await t.http().get(path)).status]).toEqual([path, 401]);
    }
  });

  /** Runs CLI commands in this process, with the app's settings (same database, same DATA_DIR and keys). */
  const withCliEnv = async (job: (dir: string, stdout: jest.SpyInstance) => Promise<void>) => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-cli-'));
    const saved = Object.fromEntries(Object.keys(t.env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, t.env);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await job(dir, stdout);
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('the CLI writes the same bundle to a file (audit export) and re-verifies the database (audit verify)', async () => {
    await withCliEnv(async (dir, stdout) => {
      const file = join(dir, 'bundle.ndjson');
      expect(await auditExport({ values: {}, positionals: [file] })).toBe(0);
      const result = await verifyBundle(file);
      expect(result).toMatchObject({ ok: true, lastSeq: 17 });
      expect(await auditExport({ values: { from: '18' }, positionals: [join(dir, 'inc.ndjson')] })).toBe(0);
      expect(lines(readFileSync(join(dir, 'inc.ndjson'), 'utf8'))).toHaveLength(2); // header + the covering checkpoint
      expect(await auditVerify({ values: {}, positionals: [] })).toBe(0);
      expect(String(stdout.mock.calls.map((c) => c[0]).join(''))).toMatch(/"ok":true/);
    });
  });

  it('keys rotate: later checkpoints use the new key; /verify stays clean and exports verify from the original key', async () => {
    const original = (await get('/v1/audit/public-key?format=pem')).text;
    const keysDir = join(t.dataDir, 'keys');
    await withCliEnv(async (dir, stdout) => {
      // Development: a new key is generated and becomes the data directory's key.
      expect(await keysRotate({ values: {}, positionals: [] })).toBe(0);
      const first = JSON.parse(String(stdout.mock.calls.at(-1)![0]));
      expect(first).toMatchObject({ previousKeyFingerprint: keyFingerprint(original), after: 17, checkpoint: { size: 18 } });
      expect(keyFingerprint(readFileSync(join(keysDir, 'signing-dev-ed25519.pem'), 'utf8'))).toBe(first.keyFingerprint);
      expect(readdirSync(keysDir).filter((f) => f.includes('retired'))).toHaveLength(1);
      // With --new-key FILE (as in production), from the key now in force.
      const file = join(dir, 'next.pem');
      const next = generateKeyPairSync('ed25519');
      writeFileSync(file, next.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      expect(await keysRotate({ values: { 'new-key': file }, positionals: [] })).toBe(0);
      const second = JSON.parse(String(stdout.mock.calls.at(-1)![0]));
      expect(second).toMatchObject({ previousKeyFingerprint: first.keyFingerprint, keyFingerprint: keyFingerprint(next.publicKey), checkpoint: { size: 19 } });
      // With a configured key, the new one must be given: nothing is generated (nor opened) then.
      process.env.SIGNING_KEY_PEM = next.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      try {
        await expect(keysRotate({ values: {}, positionals: [] })).rejects.toThrow(/--new-key FILE/);
      } finally {
        delete process.env.SIGNING_KEY_PEM;
      }
    });
    // The API, still on the original key until restarted, reports no problem with the old-key checkpoints...
    const verify = await get('/v1/audit/verify');
    expect(verify.body).toMatchObject({ ok: true, verifiedUpTo: 19 });
    // ...and its export verifies, from the key the regulator pinned, across both rotations.
    const offline = await verifyBundle(lines((await exportText()).body), { publicKeyPem: original });
    expect(offline).toMatchObject({ ok: true, lastSeq: 19, rotations: 2, keyFingerprint: keyFingerprint(original) });
  });

  it('GET /v1/audit/verify finds an event changed in the database by a superuser who disabled the trigger', async () => {
    const before = await get('/v1/audit/verify');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ ok: true, verifiedUpTo: 19 });
    const target = (await get('/v1/audit/events?after=6&limit=1')).body[0];
    const su = new Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${t.schema}` });
    await su.connect();
    try {
      // The trigger refuses the change to the application...
      await expect(su.query(`UPDATE events SET data = jsonb_set(data, '{text}', '"forged"') WHERE global_position = $1`, [target.position])).rejects.toThrow(/append-only/);
      // ...but not to a superuser who disables it.
      await su.query('ALTER TABLE events DISABLE TRIGGER USER');
      await su.query(`UPDATE events SET data = jsonb_set(data, '{text}', '"forged"') WHERE global_position = $1`, [target.position]);
      await su.query('ALTER TABLE events ENABLE TRIGGER USER');
    } finally {
      await su.end();
    }
    const after = await get('/v1/audit/verify', admin);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ ok: false, verifiedUpTo: 6, firstBadSeq: 7, firstBadPosition: target.position, reason: expect.stringMatching(/altered/) });
    // The export still streams the stored (altered) event, and the offline verifier names it.
    const res = await exportText();
    const offline = await verifyBundle(lines(res.body));
    expect(offline).toMatchObject({ ok: false, firstBadSeq: 7 });
  });
});
