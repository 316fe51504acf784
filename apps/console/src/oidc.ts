import { authorizationUrl, checkIdToken, checkMetadata, discoveryUrl, readCallback, tokenRequestBody, type PendingSignIn, type ProviderMetadata } from './pkce.js';
import { idToken, saveToken, type ConsoleConfig } from './session.js';

/**
 * Sign-in against the organisation's identity provider: Authorization Code
 * with PKCE, as a public client (no secret lives in a browser). The verifier,
 * state and nonce of the attempt wait in sessionStorage while the browser is
 * at the provider; coming back, the state must match before the code is
 * exchanged, and the ID token's nonce after.
 */
const PENDING = 'console.oidc.pending';

type OidcSettings = NonNullable<ConsoleConfig['oidc']>;

/** The page the provider sends the browser back to: the console's own address, without hash or query. */
export function redirectUri(): string {
  return `${location.origin}/console/`;
}

async function metadata(settings: OidcSettings): Promise<ProviderMetadata> {
  const res = await fetch(discoveryUrl(settings.issuer), { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`the identity provider's discovery document answered ${res.status}`);
  return checkMetadata(settings.issuer, await res.json());
}

/** Leaves for the provider's sign-in page. */
export async function beginSignIn(settings: OidcSettings): Promise<void> {
  const request = { clientId: settings.clientId, redirectUri: redirectUri(), scope: settings.scope, audience: settings.audience };
  const { url, pending } = await authorizationUrl(await metadata(settings), request, location.hash || '#/');
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  location.assign(url);
}

/** True when the page was loaded as the provider's redirect (a `code` or an `error` with a `state`). */
export function isCallback(): boolean {
  const params = new URLSearchParams(location.search);
  return params.has('state') && (params.has('code') || params.has('error'));
}

/**
 * Finishes a sign-in: exchanges the code for tokens and stores the access
 * token. Whatever happens, the code leaves the address bar (it must not be
 * bookmarked or sent again). Returns an error sentence, or null when signed in.
 */
export async function completeSignIn(settings: OidcSettings): Promise<string | null> {
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  let pending: PendingSignIn | null = null;
  try {
    pending = raw ? (JSON.parse(raw) as PendingSignIn) : null;
  } catch {
    pending = null;
  }
  const callback = readCallback(location.search, pending);
  history.replaceState(null, '', `${location.pathname}${pending?.returnTo ?? '#/'}`);
  if ('error' in callback) return callback.error;
  const request = { clientId: settings.clientId, redirectUri: redirectUri(), scope: settings.scope, audience: settings.audience };
  const meta = await metadata(settings);
  const res = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: tokenRequestBody(callback.code, pending!, request),
  });
  if (!res.ok) return `the identity provider refused the code (${res.status})`;
  const tokens = (await res.json()) as { access_token?: unknown; id_token?: unknown };
  if (typeof tokens.access_token !== 'string') return 'the identity provider returned no access token';
  const problem = checkIdToken(typeof tokens.id_token === 'string' ? tokens.id_token : undefined, pending!, meta.issuer, settings.clientId);
  if (problem) return problem;
  saveToken(tokens.access_token, tokens.id_token as string);
  return null;
}

/** Where to send the browser after the local sign-out, to end the provider's session too (when it says how). */
export async function providerSignOutUrl(settings: OidcSettings): Promise<string | null> {
  try {
    const meta = await metadata(settings);
    if (!meta.end_session_endpoint) return null;
    const url = new URL(meta.end_session_endpoint);
    const hint = idToken();
    if (hint) url.searchParams.set('id_token_hint', hint);
    url.searchParams.set('client_id', settings.clientId);
    url.searchParams.set('post_logout_redirect_uri', redirectUri());
    return url.toString();
  } catch {
    return null;
  }
}
