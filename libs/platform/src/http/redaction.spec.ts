import { redact, REDACT_PATHS, redactText } from './redaction';

const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('redaction for logs', () => {
  it('scrubs tokens, private keys and email addresses out of free text', () => {
    const text = `GET /x Authorization: Bearer ${jwt} from zoe.martin@example.org, key -----BEGIN PRIVATE KEY-----\nMC4CAQ\n-----END PRIVATE KEY----- and ${jwt}`;
    const out = redactText(text);
    expect(out).not.toContain('c2lnbmF0dXJl');
    expect(out).not.toContain('zoe.martin');
    expect(out).not.toContain('MC4CAQ');
    expect(out).toContain('GET /x');
  });

  it('replaces credentials and personal fields at any depth, and sealed values by their key id', () => {
    const out = JSON.stringify(
      redact({
        req: { method: 'POST', headers: { Authorization: `Bearer ${jwt}`, Cookie: 'sid=1', 'content-type': 'application/json' } },
        body: { givenName: 'Zoé', familyName: 'Martin', birthDate: '1990-01-02', email: 'zoe@example.org', accessRoute: 'vae', accommodations: [{ type: 'other', details: 'wheelchair' }], justification: 'dyslexia' },
        event: { identity: { alg: 'A256GCM', kid: 'c-1', iv: 'x', ct: 'y', tag: 'z' }, motivation: { alg: 'A256GCM', kid: 'c-1', iv: 'x', ct: 'y', tag: 'z' } },
        sealedAlone: { alg: 'A256GCM', kid: 'c-2', iv: 'x', ct: 'y', tag: 'z' },
        error: new Error(`token ${jwt} refused`),
      }),
    );
    for (const secret of ['c2lnbmF0dXJl', 'sid=1', 'Zoé', 'Martin', '1990-01-02', 'zoe@example.org', 'wheelchair', 'dyslexia']) expect(out).not.toContain(secret);
    expect(out).toContain('"accessRoute":"vae"');
    expect(out).toContain('[sealed:c-2]');
    expect(out).toContain('application/json');
  });

  it('survives cycles and absurd depth', () => {
    const a: Record<string, unknown> = { name: 'x' };
    a.self = a;
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100; i++) deep = { deeper: deep };
    expect(() => JSON.stringify(redact({ a, deep }))).not.toThrow();
  });

  it('gives pino paths for headers, bodies and the sensitive keys', () => {
    expect(REDACT_PATHS).toEqual(expect.arrayContaining(['req.headers.authorization', 'req.body', '*.givenName', '*.token']));
  });
});
