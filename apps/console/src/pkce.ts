/**
 * The pieces of OpenID Connect Authorization Code + PKCE (RFC 7636) the
 * console needs, on WebCrypto alone: no library, nothing that touches the DOM,
 * so they run (and are tested) in Node as in the browser.
 */

/** Base64url without padding (RFC 4648 §5), as PKCE and JWTs write bytes. */
export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function base64urlDecode(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** A high-entropy random string of base64url characters (32 bytes: 43 characters, the RFC's minimum length). */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 code challenge of a verifier: base64url(SHA-256(ASCII(verifier))). */
export async function s256Challenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** What the provider's discovery document must give the console. */
export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

/** The discovery document's URL for an issuer (OpenID Connect Discovery 1.0 §4). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * Checks a discovery document: it must name the configured issuer exactly
 * (a mix-up of providers is the attack this prevents) and give both endpoints
 * over https (plain http only on the loopback, for development providers).
 */
export function checkMetadata(issuer: string, doc: unknown): ProviderMetadata {
  const m = doc as Partial<ProviderMetadata> | null;
  if (!m || typeof m !== 'object') throw new Error('the discovery document is not a JSON object');
  if (m.issuer !== issuer) throw new Error(`the discovery document names the issuer "${String(m.issuer)}", not "${issuer}"`);
  for (const key of ['authorization_endpoint', 'token_endpoint'] as const) {
    if (typeof m[key] !== 'string' || !secureUrl(m[key] as string)) throw new Error(`the discovery document's ${key} is missing or not https`);
  }
  if (m.end_session_endpoint !== undefined && (typeof m.end_session_endpoint !== 'string' || !secureUrl(m.end_session_endpoint))) delete m.end_session_endpoint;
  return m as ProviderMetadata;
}

function secureUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}

/** What one sign-in attempt keeps in sessionStorage between leaving for the provider and coming back. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  /** The hash route the user wanted, restored after sign-in. */
  returnTo: string;
}

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  audience?: string;
}

/** A fresh attempt and the provider URL to send the browser to. */
export async function authorizationUrl(metadata: ProviderMetadata, request: AuthorizationRequest, returnTo: string): Promise<{ url: string; pending: PendingSignIn }> {
  const pending: PendingSignIn = { state: randomToken(), nonce: randomToken(), verifier: randomToken(48), returnTo };
  const url = new URL(metadata.authorization_endpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', request.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  url.searchParams.set('scope', request.scope);
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  url.searchParams.set('code_challenge', await s256Challenge(pending.verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  // Providers that issue API tokens per audience (Auth0, some Keycloak set-ups) need it named here.
  if (request.audience) url.searchParams.set('audience', request.audience);
  return { url: url.toString(), pending };
}

/**
 * The provider's redirect back: the code when the state matches the one this
 * tab sent, an error otherwise. A state that does not match is a forged or
 * replayed redirect (login CSRF) and is never exchanged.
 */
export function readCallback(search: string, pending: PendingSignIn | null): { code: string } | { error: string } {
  const params = new URLSearchParams(search);
  const error = params.get('error');
  if (!pending) return { error: 'no sign-in was started from this tab' };
  if (params.get('state') !== pending.state) return { error: 'the state returned by the identity provider does not match' };
  if (error) return { error: `${error}${params.get('error_description') ? `: ${params.get('error_description')}` : ''}` };
  const code = params.get('code');
  return code ? { code } : { error: 'the identity provider returned no code' };
}

/** The token request body (RFC 6749 §4.1.3 with the PKCE verifier; a public client sends no secret). */
export function tokenRequestBody(code: string, pending: PendingSignIn, request: AuthorizationRequest): URLSearchParams {
  return new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: request.redirectUri, client_id: request.clientId, code_verifier: pending.verifier });
}

/** A JWT's claims, read without verifying it: only to show the user's name and roles (the API verifies every token it receives). */
export function jwtClaims(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const claims = JSON.parse(new TextDecoder().decode(base64urlDecode(parts[1]))) as unknown;
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Checks the ID token the provider returned belongs to this attempt: its
 * nonce is the one sent (a token replayed from another sign-in is refused),
 * its issuer is the provider's and its audience this client.
 */
export function checkIdToken(idToken: string | undefined, pending: PendingSignIn, issuer: string, clientId: string): string | null {
  if (!idToken) return 'the identity provider returned no ID token';
  const claims = jwtClaims(idToken);
  if (!claims) return 'the ID token is not a JWT';
  if (claims.nonce !== pending.nonce) return 'the ID token\'s nonce does not match this sign-in';
  if (claims.iss !== issuer) return 'the ID token comes from another issuer';
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(clientId)) return 'the ID token is meant for another client';
  return null;
}

/** The claim at a dotted path (`roles`, `realm_access.roles`), as the API reads AUTH_ROLES_CLAIM. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
