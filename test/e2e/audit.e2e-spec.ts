import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { cosignLatest, InconsistencyError, WitnessHttp } from '../../apps/cli/src/commands/witness.command';
import { run as keysRotate } from '../../apps/cli/src/commands/keys-rotate.command';
import { cosignCheckpoint, foldLeaves, rawPublicKey } from '@app/proof/witness';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { keyFingerprint } from '@app/proof/canonical';
import { SIGNING_KEY, SigningKey } from '@app/platform/signing/signing-key';
import { forkAndResign } from '@app/proof/testing/witness-bundle';
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
  const exportText = (path = '/v1/audit/export', minPosition?: number) =>
    get(path).set(minPosition !== undefined ? { 'X-Min-Position': String(minPosition) } : {}).buffer(true).parse((r, done) => {
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

  describe('witnesses', () => {
    const witness = generateKeyPairSync('ed25519');
    const witnessPem = witness.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    /** The witness CLI's requests, through supertest instead of fetch. */
    const http: WitnessHttp = async (method, path, body) => {
      const res = method === 'GET' ? await get(path) : await t.http().post(path).set('Authorization', regulator).send(body as object);
      return { status: res.status, body: res.body };
    };
    let stateDir: string;
    beforeAll(() => {
      stateDir = mkdtempSync(join(tmpdir(), 'witness-state-'));
    });
    afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

    it('an admin registers a witness key (an event of the log); regulators and admins list them', async () => {
      const res = await t.http().post('/v1/audit/witnesses').set('Authorization', admin).send({ name: 'regulator.example', publicKey: witnessPem });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id: 'regulator.example', version: 1, keyFingerprint: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
      const again = await t.http().post('/v1/audit/witnesses').set('Authorization', admin).send({ name: 'regulator.example', publicKey: rawPublicKey(witnessPem).toString('base64') });
      expect([again.status, again.body.code]).toEqual([409, 'WITNESS_ALREADY_REGISTERED']);
      const bad = await t.http().post('/v1/audit/witnesses').set('Authorization', admin).send({ name: 'x', publicKey: 'A'.repeat(43) + '=', extra: 1 });
      expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      expect((await t.http().post('/v1/audit/witnesses').set('Authorization', regulator).send({ name: 'r2', publicKey: witnessPem })).status).toBe(403);
      const list = await get('/v1/audit/witnesses');
      expect(list.status).toBe(200);
      expect(list.body).toEqual([expect.objectContaining({ name: 'regulator.example', publicKey: rawPublicKey(witnessPem).toString('base64'), publicKeyPem: witnessPem })]);
    });

    it('the consistency proof folds from the older head to the newer one; bad ranges 400, unknown sizes 404', async () => {
      const cps = (await get('/v1/audit/checkpoints')).body as Array<{ size: number; head: string }>;
      const [newer, older] = cps;
      const proof = await get(`/v1/audit/consistency?from=${older.size}&to=${newer.size}`);
      expect(proof.status).toBe(200);
      expect(proof.body).toMatchObject({ from: { size: older.size, head: older.head }, to: { size: newer.size, head: newer.head }, start: older.size + 1, next: null });
      expect(proof.body.leaves).toHaveLength(newer.size - older.size);
      expect(foldLeaves(older.head, proof.body.leaves)).toBe(newer.head);
      const page = await get(`/v1/audit/consistency?from=0&to=${newer.size}&start=${newer.size}`);
      expect(page.body).toMatchObject({ start: newer.size, next: null, leaves: [expect.any(String)] });
      expect((await get(`/v1/audit/consistency?from=${newer.size}&to=${older.size}`)).status).toBe(400);
      expect((await get('/v1/audit/consistency?from=1&to=x')).status).toBe(400);
      expect((await get(`/v1/audit/consistency?from=0&to=${newer.size + 1000}`)).body.code).toBe('NOT_FOUND');
    });

    it('witness cosign: checks, signs and posts; the cosignature is exported and verifies with --witness-key; a fork is refused', async () => {
      const state = join(stateDir, 'state.json');
      const options = { name: 'regulator.example', privateKey: witness.privateKey, statePath: state, url: 'http://api', http };
      const first = await cosignLatest(options);
      expect(first.posted).toBe(true);
      const latest = (await get('/v1/audit/checkpoints/latest')).body;
      expect(latest).toMatchObject({ seq: first.size, size: first.size, head: first.head, body: expect.stringMatching(/\n\d+\n[A-Za-z0-9+/=]{44}\n$/) });
      expect(await cosignLatest(options)).toMatchObject({ posted: false });
      await appendEvents(store, 3, 200);
      const sized = (await exportText('/v1/audit/export', first.position)).body; // seals and signs a checkpoint at the head
      expect(sized).toContain('"CheckpointCosigned"');
      const second = await cosignLatest(options);
      expect(second).toMatchObject({ posted: true });
      expect(second.size).toBeGreaterThan(first.size);

      // The same signature again records nothing; a forged one is refused.
      const signed = JSON.parse(readFileSync(state, 'utf8'));
      expect(signed).toMatchObject({ size: second.size, head: second.head });
      const bundle = lines((await exportText('/v1/audit/export', second.position)).body);
      const result = await verifyBundle(bundle, { witnessKeys: [{ file: 'witness.pub', raw: rawPublicKey(witnessPem) }] });
      expect(result).toMatchObject({ ok: true, cosignatures: 2 });
      const cosigned = bundle.map((l) => JSON.parse(l)).filter((l) => l.kind === 'event' && l.event.type === 'CheckpointCosigned').map((l) => l.event.data);
      expect(cosigned.map((c) => [c.size, c.previousSize])).toEqual([[first.size, null], [second.size, first.size]]);

      // A fork of this very export, re-signed with the certifier's own key: the witness's cosignature gives it away.
      const certifierKey = t.app.get<SigningKey>(SIGNING_KEY).privateKey;
      const forged = forkAndResign(bundle, certifierKey, (e, seq) => (seq === 2 ? { ...e, data: { forged: true } } : e));
      const forkResult = await verifyBundle(forged, { witnessKeys: [{ file: 'witness.pub', raw: rawPublicKey(witnessPem) }] });
      expect(forkResult).toMatchObject({ ok: false, reason: expect.stringContaining(`diverges from checkpoint (size ${first.size}, head ${first.head}) cosigned by witness "regulator.example"`) });
      const split = await verifyBundle(forged, { previous: JSON.parse(bundle[bundle.length - 1]), previousCosigned: cosigned.map((c) => ({ size: c.size, head: c.head, witness: c.witness })) });
      expect(split).toMatchObject({ ok: false, reason: expect.stringMatching(/^split view: the previous export holds checkpoint \(size \d+, head [0-9a-f]{64}\) cosigned by witness regulator\.example/) });
      const replay = await t.http().post(`/v1/audit/checkpoints/${second.size}/cosignatures`).set('Authorization', regulator).send({ witness: 'regulator.example', signature: cosigned[1].signature, previousSize: first.size });
      expect(replay.status).toBe(201);
      expect((await get('/v1/audit/witnesses')).status).toBe(200);
      const post = (size: number, body: object, auth = regulator) => t.http().post(`/v1/audit/checkpoints/${size}/cosignatures`).set('Authorization', auth).send(body);
      expect((await post(first.size, { witness: 'regulator.example', signature: cosigned[1].signature })).body.code).toBe('COSIGNATURE_INVALID');
      expect((await post(first.size, { witness: 'nobody', signature: cosigned[1].signature })).body.code).toBe('WITNESS_NOT_REGISTERED');
      const fresh = cosignCheckpoint({ origin: latest.origin, size: second.size, head: second.head }, 'regulator.example', witness.privateKey, 1_800_000_000).signature;
      expect((await post(second.size, { witness: 'regulator.example', signature: fresh, previousSize: 1 })).body.code).toBe('PREVIOUS_NOT_COSIGNED');
      expect((await post(second.size, { witness: 'regulator.example', signature: fresh, previousSize: second.size })).body.code).toBe('PREVIOUS_NOT_COSIGNED');
      expect((await post(999_999, { witness: 'regulator.example', signature: cosigned[1].signature })).status).toBe(404);
      expect((await post(second.size, { witness: 'regulator.example', signature: 'abc' })).status).toBe(400);
      expect((await post(second.size, { witness: 'regulator.example', signature: cosigned[1].signature }, admin)).status).toBe(403);

      // A witness whose state remembers another head at that size (the log it saw was forked) refuses to sign.
      const forkedState = join(stateDir, 'forked.json');
      writeFileSync(forkedState, JSON.stringify({ ...signed, head: 'f'.repeat(64) }));
      await appendEvents(store, 2, 300);
      await exportText();
      await expect(cosignLatest({ ...options, statePath: forkedState })).rejects.toThrow(InconsistencyError);
      expect(JSON.parse(readFileSync(forkedState, 'utf8')).head).toBe('f'.repeat(64));
      expect(existsSync(state)).toBe(true);
    });
  });

  // Last but one: the app keeps its original key until restarted, so it signs no checkpoint after the rotation.
  it('keys rotate: later checkpoints use the new key; /verify stays clean and exports verify from the original key', async () => {
    const original = (await get('/v1/audit/public-key?format=pem')).text;
    const sealed = await t.app.get(LedgerService).sealedUpTo();
    const keysDir = join(t.dataDir, 'keys');
    await withCliEnv(async (dir, stdout) => {
      // Development: a new key is generated and becomes the data directory's key.
      expect(await keysRotate({ values: {}, positionals: [] })).toBe(0);
      const first = JSON.parse(String(stdout.mock.calls.at(-1)![0]));
      expect(first).toMatchObject({ previousKeyFingerprint: keyFingerprint(original), after: sealed, checkpoint: { size: sealed + 1 } });
      expect(keyFingerprint(readFileSync(join(keysDir, 'signing-dev-ed25519.pem'), 'utf8'))).toBe(first.keyFingerprint);
      expect(readdirSync(keysDir).filter((f) => f.includes('retired'))).toHaveLength(1);
      // With --new-key FILE (as in production), from the key now in force.
      const file = join(dir, 'next.pem');
      const next = generateKeyPairSync('ed25519');
      writeFileSync(file, next.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      expect(await keysRotate({ values: { 'new-key': file }, positionals: [] })).toBe(0);
      const second = JSON.parse(String(stdout.mock.calls.at(-1)![0]));
      expect(second).toMatchObject({ previousKeyFingerprint: first.keyFingerprint, keyFingerprint: keyFingerprint(next.publicKey), checkpoint: { size: sealed + 2 } });
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
    expect(verify.body).toMatchObject({ ok: true, verifiedUpTo: sealed + 2 });
    // ...and its export verifies, from the key the regulator pinned, across both rotations.
    const offline = await verifyBundle(lines((await exportText()).body), { publicKeyPem: original });
    expect(offline).toMatchObject({ ok: true, lastSeq: sealed + 2, rotations: 2, keyFingerprint: keyFingerprint(original) });
  });

  it('GET /v1/audit/verify finds an event changed in the database by a superuser who disabled the trigger', async () => {
    const before = await get('/v1/audit/verify');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ ok: true, verifiedUpTo: await t.app.get(LedgerService).sealedUpTo() });
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
