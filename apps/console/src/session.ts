import { claimAt, jwtClaims } from './pkce.js';
import { ROLES, type Role } from './router.js';

/**
 * The signed-in user's token lives in sessionStorage: it survives a reload
 * but not the tab, and no other site can read it. The token itself is the
 * session: the API verifies it on every call, and the console reads its
 * claims only to show the user's name and the menus of their roles.
 */
const TOKEN = 'console.token';
const ID_TOKEN = 'console.idToken';

export interface ConsoleConfig {
  /** 'oidc' in production, 'development' where the API mints development tokens, 'unavailable' when neither is set up. */
  signIn: 'oidc' | 'development' | 'unavailable';
  oidc?: { issuer: string; clientId: string; scope: string; audience?: string };
  /** Where the roles are in the token (AUTH_ROLES_CLAIM): `roles`, or a dotted path like `realm_access.roles`. */
  rolesClaim: string;
}

export interface SessionUser {
  sub: string;
  name: string;
  roles: Role[];
}

export function saveToken(token: string, idToken?: string): void {
  sessionStorage.setItem(TOKEN, token);
  if (idToken) sessionStorage.setItem(ID_TOKEN, idToken);
  else sessionStorage.removeItem(ID_TOKEN);
}

export function currentToken(): string | null {
  return sessionStorage.getItem(TOKEN);
}

export function idToken(): string | null {
  return sessionStorage.getItem(ID_TOKEN);
}

export function clearSession(): void {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(ID_TOKEN);
}

/** The user of the stored token, or null when there is none or it has expired (or expires within a few seconds). */
export function sessionUser(rolesClaim: string, now = Date.now()): SessionUser | null {
  const token = currentToken();
  if (!token) return null;
  const claims = jwtClaims(token);
  if (!claims || typeof claims.sub !== 'string') return null;
  if (typeof claims.exp === 'number' && claims.exp * 1000 < now + 5_000) return null;
  const raw = claimAt(claims, rolesClaim);
  const roles = (Array.isArray(raw) ? raw : []).filter((r): r is Role => ROLES.includes(r as Role));
  const name = typeof claims.name === 'string' && claims.name ? claims.name : typeof claims.preferred_username === 'string' ? claims.preferred_username : claims.sub;
  return { sub: claims.sub, name, roles };
}
