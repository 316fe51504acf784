import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDataIntegrity } from '@app/domain/credentials/data-integrity';
import { didKeyOf } from '@app/domain/credentials/did-key';
import { serverDatabase, TestDatabase } from '../support/databases';

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

describe('CLI: credentials verify', () => {
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
  // The accrochage commands are tested in accrochage-cli.e2e-spec.ts.
});
