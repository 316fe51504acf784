import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDataIntegrity } from '@app/domain/credentials/data-integrity';
import { didKeyOf } from '@app/domain/credentials/did-key';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { PersonalDataVault } from '@app/platform/personal-data/vault';
import { serverDatabase, TestDatabase } from '../support/databases';
import { findAll, parseXml } from '../support/xml';

jest.setTimeout(180_000);
const root = join(__dirname, '..', '..');
// launch.js builds the CLI once if its sources are newer; later calls run the built entry directly,
// so that parallel edits elsewhere in the tree do not trigger a rebuild per call.
let built = false;
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const entry = built ? [join(root, 'dist', 'apps', 'cli', 'src', 'main.js')] : [join(root, 'scripts', 'launch.js'), 'cli'];
  built = true;
  return spawnSync(process.execPath, [...entry, ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, encoding: 'utf8' });
};

describe('CLI: credentials verify and accrochage export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cert-cli-'));
  let t: TestDatabase;
  beforeAll(async () => (t = await serverDatabase()));
  afterAll(async () => {
    await t?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies a credential offline: 0 when intact (and from the pinned key), 1 when changed or from another key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const credential = signDataIntegrity(
      { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: didKeyOf(publicKey).did, validFrom: '2025-01-01T00:00:00Z', credentialSubject: { id: 'urn:uuid:x' } },
      { privateKey, verificationMethod: didKeyOf(publicKey).verificationMethod, created: '2025-01-01T00:00:00Z' },
    );
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(credential));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...credential, validFrom: '2030-01-01T00:00:00Z' }));
    writeFileSync(join(dir, 'key.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'other.pem'), generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const ok = cli(['credentials', 'verify', join(dir, 'ok.json'), '--key', join(dir, 'key.pem')]);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ verified: true });
    expect(cli(['credentials', 'verify', join(dir, 'bad.json')]).status).toBe(1);
    expect(cli(['credentials', 'verify', join(dir, 'ok.json'), '--key', join(dir, 'other.pem')]).status).toBe(1);
    expect(cli(['credentials', 'verify']).status).toBe(2);
  });

  it('prints the flux on stdout and the report on stderr, then nothing new the second time', async () => {
    const vault = new PersonalDataVault(t.db);
    await vault.onModuleInit();
    const store = new PostgresEventStore(t.db.pool);
    const candidateId = randomUUID();
    const meta = { actor: { id: 'a', role: 'admin' }, correlationId: 'c', causationId: null, recordedAt: new Date().toISOString() };
    const identity = await vault.seal(candidateId, { givenName: 'Zoé', familyName: 'Martin', birthDate: '1999-07-04', email: 'z@example.org', sex: 'F', birthPlaceCode: '75056' });
    const awardId = randomUUID();
    await store.append(`candidate-${candidateId}`, [
      { type: 'CandidateRegistered', data: { candidateId, identity, accessRoute: 'apprenticeship' }, metadata: meta },
      { eventId: awardId, type: 'CertificationAwarded', data: { candidateId, certificationCode: 'RNCP38000', referentialId: randomUUID(), juryId: randomUUID(), blocks: [], awardedOn: '2025-03-14' }, metadata: meta },
    ], { expectedVersion: 'no-stream' });
    const env = { DATABASE_URL: t.url!, DATABASE_SCHEMA: t.schema, DATA_DIR: dir, CDC_EMITTER_ID: 'EMT001', CDC_CONTRACT_ID: 'CTR-42' };

    expect(cli(['accrochage', 'export', '--from', '2025-03-01'], { ...env, CDC_CONTRACT_ID: '' }).status).toBe(2);
    expect(cli(['accrochage', 'export', '--from', '2025-3-1'], env).status).toBe(2);

    const first = cli(['accrochage', 'export', '--from', '2025-03-01', '--to', '2025-03-31'], env);
    expect(first.status).toBe(0);
    const flux = parseXml(first.stdout);
    expect(findAll(flux, 'idTechnique').map((e) => e.text)).toEqual([awardId]);
    expect(findAll(flux, 'prenom1')[0].text).toBe('Zoé');
    const report = JSON.parse(first.stderr.slice(first.stderr.indexOf('{'), first.stderr.lastIndexOf('}') + 1));
    expect(report).toMatchObject({ declared: [{ awardEventId: awardId, deadline: '2025-06-14' }], notExportable: [], alreadyExported: 0 });
    expect(report.warning).toMatch(/past the three-month declaration deadline/);

    const second = cli(['accrochage', 'export', '--from', '2025-03-01', '--to', '2025-03-31'], env);
    expect(second.status).toBe(0);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain('nothing new to declare');
  });
});
