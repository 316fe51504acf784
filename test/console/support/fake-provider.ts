import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importPKCS8, SignJWT } from 'jose';

/**
 * A tiny OpenID Connect provider for the console's sign-in test: discovery,
 * an authorization endpoint that signs the user in at once and redirects
 * back with a code, and a token endpoint that gives tokens only for the
 * verifier whose S256 challenge came with that code (PKCE) — as a real
 * provider does, minus the login form. Its access tokens are signed with an
 * Ed25519 key the API under test is configured to trust.
 */
export interface FakeProvider {
  issuer: string;
  publicKeyPem: string;
  /** What the provider saw: the authorization requests and token requests, for the test's assertions. */
  seen: { authorizations: URLSearchParams[]; tokens: URLSearchParams[] };
  close(): Promise<void>;
}

export async function startFakeProvider(user: { sub: string; name: string; roles: string[] }, audience: string, clientId: string): Promise<FakeProvider> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const key = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'EdDSA');
  const codes = new Map<string, { challenge: string; nonce: string; redirectUri: string }>();
  const seen: FakeProvider['seen'] = { authorizations: [], tokens: [] };
  let issuer = '';

  const sign = (claims: Record<string, unknown>, aud: string) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' }).setIssuer(issuer).setAudience(aud).setSubject(user.sub).setIssuedAt().setExpirationTime('1h').sign(key);

  const json = (res: ServerResponse, status: number, body: unknown) => {
    // The console calls the token endpoint from its own origin: a provider allows it by CORS.
    res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', issuer);
    if (req.method === 'OPTIONS') return json(res, 204, {});
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, response_types_supported: ['code'], code_challenge_methods_supported: ['S256'] });
    }
    if (url.pathname === '/authorize') {
      const p = url.searchParams;
      seen.authorizations.push(p);
      if (p.get('client_id') !== clientId || p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256') return json(res, 400, { error: 'invalid_request' });
      const code = randomUUID();
      codes.set(code, { challenge: p.get('code_challenge')!, nonce: p.get('nonce')!, redirectUri: p.get('redirect_uri')! });
      const back = new URL(p.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', p.get('state')!);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const p = new URLSearchParams(raw);
      seen.tokens.push(p);
      const grant = codes.get(p.get('code') ?? '');
      codes.delete(p.get('code') ?? '');
      const verified = grant && createHash('sha256').update(p.get('code_verifier') ?? '').digest('base64url') === grant.challenge;
      if (!grant || !verified || p.get('redirect_uri') !== grant.redirectUri || p.get('client_id') !== clientId) return json(res, 400, { error: 'invalid_grant' });
      return json(res, 200, {
        token_type: 'Bearer',
        expires_in: 3600,
        access_token: await sign({ name: user.name, roles: user.roles }, audience),
        id_token: await sign({ name: user.name, nonce: grant.nonce }, clientId),
      });
    }
    return json(res, 404, { error: 'not_found' });
  };

  const server: Server = createServer((req, res) => void handle(req, res).catch(() => json(res, 500, { error: 'server_error' })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
