import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config';
import { loadAuthConfig } from './auth.config';

const ed = generateKeyPairSync('ed25519');
const edPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('loadAuthConfig', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'cert-auth-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('without an identity provider, generates and trusts a development key, with a warning', () => {
    const config = loadAuthConfig({}, dataDir);
    expect(config.mode).toBe('development');
    expect(config.algorithms).toEqual(['EdDSA']);
    expect(config.privateKeyPem).toMatch(/BEGIN PRIVATE KEY/);
    expect(config.warnings.join(' ')).toMatch(/DEVELOPMENT key/);
    // Same key on the next start.
    expect(loadAuthConfig({}, dataDir).publicKeyPem).toBe(config.publicKeyPem);
  });

  it('with a public key, pins the algorithms to those the key can verify', () => {
    const config = loadAuthConfig({ AUTH_JWT_PUBLIC_KEY: edPem, AUTH_ISSUER: 'https://idp', AUTH_AUDIENCE: 'api' }, dataDir);
    expect(config).toMatchObject({ mode: 'provider', algorithms: ['EdDSA'], issuer: 'https://idp', audience: 'api', warnings: [] });
    expect(config.privateKeyPem).toBeUndefined();
    expect(loadAuthConfig({ AUTH_JWT_PUBLIC_KEY: rsaPem, AUTH_JWT_ALGORITHMS: 'RS256, PS256, EdDSA' }, dataDir).algorithms).toEqual(['RS256', 'PS256']);
  });

  it('reads the key from a file, and accepts several audiences', () => {
    const file = join(dataDir, 'idp.pem');
    writeFileSync(file, edPem);
    const config = loadAuthConfig({ AUTH_JWT_PUBLIC_KEY_FILE: file, AUTH_AUDIENCE: 'api, backoffice' }, dataDir);
    expect(config.audience).toEqual(['api', 'backoffice']);
  });

  it('warns when a provider is configured without issuer or audience', () => {
    const config = loadAuthConfig({ AUTH_JWT_PUBLIC_KEY: edPem }, dataDir);
    expect(config.warnings.join(' ')).toMatch(/AUTH_ISSUER is not set.*|AUTH_AUDIENCE is not set/);
    expect(config.warnings).toHaveLength(2);
  });

  const bad: Array<[string, NodeJS.ProcessEnv, RegExp]> = [
    ['a symmetric algorithm', { AUTH_JWT_PUBLIC_KEY: edPem, AUTH_JWT_ALGORITHMS: 'HS256' }, /AUTH_JWT_ALGORITHMS: "HS256" is not allowed/],
    ['alg none', { AUTH_JWT_PUBLIC_KEY: edPem, AUTH_JWT_ALGORITHMS: 'EdDSA,none' }, /AUTH_JWT_ALGORITHMS: "none"/],
    ['an empty algorithm list', { AUTH_JWT_PUBLIC_KEY: edPem, AUTH_JWT_ALGORITHMS: ' , ' }, /AUTH_JWT_ALGORITHMS is empty/],
    ['algorithms the key cannot verify', { AUTH_JWT_PUBLIC_KEY: edPem, AUTH_JWT_ALGORITHMS: 'RS256' }, /AUTH_JWT_ALGORITHMS \(RS256\) has no algorithm for the configured ed25519/],
    ['a private key given as the public key', { AUTH_JWT_PUBLIC_KEY: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, /AUTH_JWT_PUBLIC_KEY holds a PRIVATE key/],
    ['a public key that is not PEM', { AUTH_JWT_PUBLIC_KEY: 'ssh-ed25519 AAAA' }, /AUTH_JWT_PUBLIC_KEY must be an SPKI PEM/],
    ['a corrupt PEM', { AUTH_JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }, /AUTH_JWT_PUBLIC_KEY is not a readable PEM/],
    ['an unreadable key file', { AUTH_JWT_PUBLIC_KEY_FILE: '/nonexistent/idp.pem' }, /AUTH_JWT_PUBLIC_KEY_FILE: cannot read/],
    ['both an inline key and a key file', { AUTH_JWT_PUBLIC_KEY: edPem, AUTH_JWT_PUBLIC_KEY_FILE: '/x.pem' }, /both set/],
    ['both a key and a JWKS URL', { AUTH_JWT_PUBLIC_KEY: edPem, AUTH_JWKS_URL: 'https://idp/certs' }, /AUTH_JWKS_URL and AUTH_JWT_PUBLIC_KEY/],
    ['a JWKS URL over plain http', { AUTH_JWKS_URL: 'http://idp.example.org/certs' }, /AUTH_JWKS_URL must be an https URL/],
    ['a JWKS URL that is not a URL', { AUTH_JWKS_URL: 'idp/certs' }, /AUTH_JWKS_URL is not a URL/],
    ['a JWKS URL with credentials', { AUTH_JWKS_URL: 'https://user:pw@idp/certs' }, /AUTH_JWKS_URL must not carry credentials/],
    ['an issuer with spaces', { AUTH_JWT_PUBLIC_KEY: edPem, AUTH_ISSUER: 'my idp' }, /AUTH_ISSUER must be a single value/],
    ['a bad roles claim path', { AUTH_JWT_PUBLIC_KEY: edPem, AUTH_ROLES_CLAIM: 'realm access..roles' }, /AUTH_ROLES_CLAIM/],
    ['a negative clock tolerance', { AUTH_CLOCK_TOLERANCE_SECONDS: '-1' }, /AUTH_CLOCK_TOLERANCE_SECONDS must be an integer/],
    ['a non-numeric JWKS cache age', { AUTH_JWKS_URL: 'https://idp/certs', AUTH_JWKS_CACHE_SECONDS: 'ten' }, /AUTH_JWKS_CACHE_SECONDS/],
    ['issuer and audience without any key (a half-done configuration)', { AUTH_ISSUER: 'https://idp', AUTH_AUDIENCE: 'api' }, /AUTH_ISSUER, AUTH_AUDIENCE set without/],
    ['a provider required but absent', { AUTH_REQUIRE_PROVIDER: 'true' }, /AUTH_REQUIRE_PROVIDER is true but no identity provider/],
    ['a non-boolean AUTH_REQUIRE_PROVIDER', { AUTH_JWT_PUBLIC_KEY: edPem, AUTH_REQUIRE_PROVIDER: 'maybe' }, /AUTH_REQUIRE_PROVIDER must be true or false/],
  ];

  it.each(bad)('stops with a ConfigError naming the setting: %s', (_, env, message) => {
    let thrown: unknown;
    try {
      loadAuthConfig(env, dataDir);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(message);
  });
});
