import type { ApiClient } from './api.js';

export type Role = 'admin' | 'assessor' | 'referent' | 'jury' | 'regulator';

export const ROLES: readonly Role[] = ['admin', 'assessor', 'referent', 'jury', 'regulator'];

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  admin: 'Back-office',
  assessor: 'Évaluateur',
  referent: 'Référent handicap',
  jury: 'Jury',
  regulator: 'Régulateur',
};

export interface ScreenContext {
  api: ApiClient;
  user: { sub: string; name: string; roles: Role[] };
  navigate(path: string): void;
  notify(message: string, kind?: 'info' | 'error'): void;
}

export interface Route {
  /** '/sessions/:id', matched against the hash. */
  path: string;
  title: string;
  roles: Role[];
  /** Label in the menu when present. */
  nav?: string;
  render(ctx: ScreenContext, params: Record<string, string>, query: URLSearchParams): Promise<Node>;
}

/** `#/juries/abc?block=BC01` → path '/juries/abc' and its query. */
export function parseHash(hash: string): { path: string; query: URLSearchParams } {
  const raw = hash.replace(/^#/, '') || '/';
  const at = raw.indexOf('?');
  const path = (at < 0 ? raw : raw.slice(0, at)) || '/';
  return { path: path.startsWith('/') ? path : `/${path}`, query: new URLSearchParams(at < 0 ? '' : raw.slice(at + 1)) };
}

/** The first route whose pattern matches the path, with its parameters decoded. */
export function matchRoute(routes: readonly Route[], path: string): { route: Route; params: Record<string, string> } | null {
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      if (pattern[i].startsWith(':')) {
        try {
          params[pattern[i].slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          ok = false;
        }
      } else ok = pattern[i] === parts[i];
    }
    if (ok) return { route, params };
  }
  return null;
}

/** A hash link to a path with an optional query (values encoded). */
export function href(path: string, query?: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

export function allowed(route: Route, roles: readonly Role[]): boolean {
  return route.roles.some((r) => roles.includes(r));
}
