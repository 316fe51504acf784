import type { AuthConfig } from '@app/platform/auth/auth.config';
import { ConfigError, isProduction } from '@app/platform/config';

/** What the console's page needs to sign a user in (served at GET /console/config.json; nothing secret). */
export interface ConsolePublicConfig {
  signIn: 'oidc' | 'development' | 'unavailable';
  oidc?: { issuer: string; clientId: string; scope: string; audience?: string };
  rolesClaim: string;
}

export interface ConsoleSettings {
  public: ConsolePublicConfig;
  /** Whether POST /console/dev/token exists, and for whom. */
  devSignIn: 'off' | 'loopback' | 'any';
}

/**
 * Reads the CONSOLE_* settings (docs/console.md). The development sign-in
 * exists only where the API itself trusts its development key (no identity
 * provider, not production) and no provider is configured for the console;
 * anywhere else its route is not even registered (404).
 */
export function loadConsoleSettings(env: NodeJS.ProcessEnv, auth: AuthConfig): ConsoleSettings {
  const issuer = nonEmpty(env.CONSOLE_OIDC_ISSUER);
  const clientId = nonEmpty(env.CONSOLE_OIDC_CLIENT_ID);
  const scope = nonEmpty(env.CONSOLE_OIDC_SCOPE) ?? 'openid profile';
  const audience = nonEmpty(env.CONSOLE_OIDC_AUDIENCE);
  const devRaw = (nonEmpty(env.CONSOLE_DEV_SIGN_IN) ?? 'loopback').toLowerCase();
  if (!['off', 'loopback', 'any'].includes(devRaw)) throw new ConfigError(`CONSOLE_DEV_SIGN_IN must be off, loopback or any, got "${env.CONSOLE_DEV_SIGN_IN}"`);
  if (!issuer && (clientId || nonEmpty(env.CONSOLE_OIDC_SCOPE) || audience)) {
    throw new ConfigError('CONSOLE_OIDC_CLIENT_ID, CONSOLE_OIDC_SCOPE or CONSOLE_OIDC_AUDIENCE set without CONSOLE_OIDC_ISSUER: name the identity provider too');
  }
  if (issuer) {
    checkIssuer(issuer);
    if (!clientId) throw new ConfigError('CONSOLE_OIDC_ISSUER is set without CONSOLE_OIDC_CLIENT_ID (the console\'s public client id at the identity provider)');
    if (!/^\S{1,200}$/.test(clientId)) throw new ConfigError('CONSOLE_OIDC_CLIENT_ID must be a single value without spaces');
    if (!/(^|\s)openid(\s|$)/.test(scope)) throw new ConfigError(`CONSOLE_OIDC_SCOPE must include openid, got "${scope}"`);
    if (audience !== undefined && !/^\S{1,500}$/.test(audience)) throw new ConfigError('CONSOLE_OIDC_AUDIENCE must be a single value without spaces');
    return { public: { signIn: 'oidc', oidc: { issuer, clientId, scope, ...(audience ? { audience } : {}) }, rolesClaim: auth.rolesClaim }, devSignIn: 'off' };
  }
  const development = auth.mode === 'development' && !isProduction(env) && devRaw !== 'off';
  return {
    public: { signIn: development ? 'development' : 'unavailable', rolesClaim: auth.rolesClaim },
    devSignIn: development ? (devRaw as 'loopback' | 'any') : 'off',
  };
}

function checkIssuer(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`CONSOLE_OIDC_ISSUER is not a URL: "${raw}"`);
  }
  // The browser sends the authorization code and the verifier there: plain http only on the loopback.
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new ConfigError(`CONSOLE_OIDC_ISSUER must be an https URL, got "${raw}"`);
  if (url.username || url.password || url.search || url.hash) throw new ConfigError('CONSOLE_OIDC_ISSUER must be a plain issuer URL (no credentials, query or fragment)');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
