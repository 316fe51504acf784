import { authorizationUrl, base64url, checkIdToken, checkMetadata, claimAt, jwtClaims, readCallback, s256Challenge, tokenRequestBody, type PendingSignIn } from './pkce';

const META = { issuer: 'https://idp.example.org/realms/cert', authorization_endpoint: 'https://idp.example.org/auth', token_endpoint: 'https://idp.example.org/token' };
const jwt = (claims: Record<string, unknown>) => `${base64url(new TextEncoder().encode('{"alg":"none"}'))}.${base64url(new TextEncoder().encode(JSON.stringify(claims)))}.sig`;

describe('PKCE and OpenID Connect pieces of the console', () => {
  it('computes the S256 challenge of RFC 7636, appendix B', async () => {
    expect(await s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('writes base64url without padding', () => {
    expect(base64url(new Uint8Array([251, 255, 191]))).toBe('-_-_');
    expect(base64url(new Uint8Array([1]))).toBe('AQ');
  });

  it('builds an authorization request with a fresh state, nonce and verifier, and the challenge of that verifier', async () => {
    const a = await authorizationUrl(META, { clientId: 'console', redirectUri: 'https://cert.example.org/console/', scope: 'openid profile', audience: 'urn:cert:api' }, '#/juries');
    const b = await authorizationUrl(META, { clientId: 'console', redirectUri: 'https://cert.example.org/console/', scope: 'openid profile' }, '#/');
    const url = new URL(a.url);
    expect(url.origin + url.pathname).toBe('https://idp.example.org/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'console',
      redirect_uri: 'https://cert.example.org/console/',
      scope: 'openid profile',
      state: a.pending.state,
      nonce: a.pending.nonce,
      code_challenge: await s256Challenge(a.pending.verifier),
      code_challenge_method: 'S256',
      audience: 'urn:cert:api',
    });
    expect(a.pending.verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(a.pending.state).not.toBe(b.pending.state);
    expect(a.pending.nonce).not.toBe(b.pending.nonce);
    expect(a.pending.verifier).not.toBe(b.pending.verifier);
    expect(new URL(b.url).searchParams.has('audience')).toBe(false);
    expect(a.pending.returnTo).toBe('#/juries');
  });

  it('exchanges a code only when the state is the one this tab sent', () => {
    const pending: PendingSignIn = { state: 's1', nonce: 'n1', verifier: 'v1', returnTo: '#/' };
    expect(readCallback('?code=abc&state=s1', pending)).toEqual({ code: 'abc' });
    expect(readCallback('?code=abc&state=forged', pending)).toEqual({ error: expect.stringMatching(/state/) });
    expect(readCallback('?code=abc&state=s1', null)).toEqual({ error: expect.stringMatching(/no sign-in/) });
    expect(readCallback('?error=access_denied&error_description=refus&state=s1', pending)).toEqual({ error: 'access_denied: refus' });
    expect(Object.fromEntries(tokenRequestBody('abc', pending, { clientId: 'console', redirectUri: 'https://x/console/', scope: 'openid' }))).toEqual({
      grant_type: 'authorization_code', code: 'abc', redirect_uri: 'https://x/console/', client_id: 'console', code_verifier: 'v1',
    });
  });

  it('accepts a discovery document of the configured issuer only, with secure endpoints', () => {
    expect(checkMetadata(META.issuer, META)).toEqual(META);
    expect(() => checkMetadata(META.issuer, { ...META, issuer: 'https://evil.example.org' })).toThrow(/issuer/);
    expect(() => checkMetadata(META.issuer, { ...META, token_endpoint: 'http://idp.example.org/token' })).toThrow(/token_endpoint/);
    expect(checkMetadata('http://127.0.0.1:9000', { ...META, issuer: 'http://127.0.0.1:9000', token_endpoint: 'http://127.0.0.1:9000/token' }).token_endpoint).toBe('http://127.0.0.1:9000/token');
  });

  it('checks the ID token belongs to this sign-in (nonce, issuer, audience)', () => {
    const pending: PendingSignIn = { state: 's', nonce: 'n1', verifier: 'v', returnTo: '#/' };
    expect(checkIdToken(jwt({ nonce: 'n1', iss: META.issuer, aud: 'console' }), pending, META.issuer, 'console')).toBeNull();
    expect(checkIdToken(jwt({ nonce: 'n1', iss: META.issuer, aud: ['api', 'console'] }), pending, META.issuer, 'console')).toBeNull();
    expect(checkIdToken(jwt({ nonce: 'other', iss: META.issuer, aud: 'console' }), pending, META.issuer, 'console')).toMatch(/nonce/);
    expect(checkIdToken(jwt({ nonce: 'n1', iss: 'https://other', aud: 'console' }), pending, META.issuer, 'console')).toMatch(/issuer/);
    expect(checkIdToken(jwt({ nonce: 'n1', iss: META.issuer, aud: 'api' }), pending, META.issuer, 'console')).toMatch(/client/);
    expect(checkIdToken(undefined, pending, META.issuer, 'console')).toMatch(/no ID token/);
  });

  it('reads the roles where AUTH_ROLES_CLAIM says they are', () => {
    const claims = jwtClaims(jwt({ sub: 'u', realm_access: { roles: ['jury'] }, roles: ['admin'] }))!;
    expect(claimAt(claims, 'realm_access.roles')).toEqual(['jury']);
    expect(claimAt(claims, 'roles')).toEqual(['admin']);
    expect(claimAt(claims, 'missing.path')).toBeUndefined();
    expect(jwtClaims('not-a-jwt')).toBeNull();
  });
});
