import { randomUUID } from 'node:crypto';
import { Role, ROLES } from '@app/domain/shared/decider';
import { NO_ROLE_DECLARED, ROLE_REQUIRED } from '@app/platform/auth/auth.guard';
import { startTestApp, TestApp } from '../support/app';
import { concretePath, discoverRoutes, DiscoveredRoute, expressRoutes } from '../support/routes';

/**
 * The role rules of docs/api.md, route by route (parameters written
 * `:param` whatever their name in the code). A route whose @Roles drift from
 * this table fails; routes not in it are checked for a declaration only, and
 * go through the same matrix with the roles they declare.
 */
const ALL: Role[] = ['admin', 'assessor', 'referent', 'jury', 'regulator'];
const API_ROLES: Record<string, Role[]> = {
  'POST /v1/referentials': ['admin'],
  'POST /v1/referentials/:param/publish': ['admin'],
  'POST /v1/sessions': ['admin'],
  'POST /v1/sessions/:param/assessors': ['admin'],
  'POST /v1/candidates': ['admin'],
  'POST /v1/candidates/:param/enrolments': ['admin'],
  'POST /v1/candidates/:param/accommodations': ['admin'],
  'POST /v1/candidates/:param/accommodations/:param/opinion': ['referent'],
  'POST /v1/candidates/:param/accommodations/:param/decision': ['admin'],
  'POST /v1/candidates/:param/scores': ['assessor'],
  'POST /v1/candidates/:param/neutralisation-opinions': ['referent'],
  'POST /v1/candidates/:param/erasure': ['admin'],
  'POST /v1/juries': ['admin'],
  'POST /v1/juries/:param/open': ['jury'],
  'POST /v1/juries/:param/neutralisations': ['jury'],
  'POST /v1/juries/:param/decisions': ['jury'],
  'POST /v1/juries/:param/close': ['jury'],
  'POST /v1/juries/:param/president': ['admin'],
  'GET /v1/referentials/:param': ALL,
  'GET /v1/candidates/:param/progress': ['admin', 'assessor', 'jury', 'regulator'],
  'GET /v1/candidates/:param/history': ['admin', 'jury', 'regulator'],
  'GET /v1/juries/:param/record': ['admin', 'jury', 'regulator'],
  'GET /v1/juries/:param/record.pdf': ['admin', 'jury', 'regulator'],
  'GET /v1/audit/events': ['regulator', 'admin'],
  'GET /v1/audit/export': ['regulator', 'admin'],
};

/** Served outside Nest's router (Swagger UI): public by nature, and never under /v1. */
const NON_NEST_PUBLIC = /^\/docs(-json|-yaml)?(\/.*)?$/;

const key = (r: { method: string; path: string }) => `${r.method} ${r.path.replace(/:[A-Za-z0-9_]+/g, ':param')}`;
const sorted = (roles: readonly Role[]) => [...roles].sort();

describe('Authorization', () => {
  let t: TestApp;
  let routes: DiscoveredRoute[];
  const tokens = new Map<string, string>();
  /** A token holding exactly these roles (cached). */
  const token = async (roles: Role[]) => {
    const k = sorted(roles).join(',');
    if (!tokens.has(k)) tokens.set(k, await t.token(`user-${k || 'none'}`, roles));
    return tokens.get(k)!;
  };
  const send = (route: DiscoveredRoute, bearer?: string) => {
    const path = concretePath(route.path, () => randomUUID());
    const req = route.method === 'GET' ? t.http().get(path) : route.method === 'POST' ? t.http().post(path).send({}) : t.http()[route.method.toLowerCase() as 'put'](path).send({});
    return bearer ? req.set('Authorization', `Bearer ${bearer}`) : req;
  };

  beforeAll(async () => {
    t = await startTestApp();
    routes = discoverRoutes(t.app);
  });
  afterAll(async () => t?.close());

  it('discovers the routes from the running application', () => {
    expect(routes.length).toBeGreaterThan(3);
    expect(routes.map(key)).toContain('GET /v1/referentials/:param');
  });

  it('every route declares its roles or is explicitly public', () => {
    const undeclared = routes.filter((r) => !r.public && (!r.roles || r.roles.length === 0)).map((r) => `${key(r)} (${r.handler})`);
    expect(undeclared).toEqual([]);
  });

  it('no /v1 route is public, and every role named is a real role', () => {
    expect(routes.filter((r) => r.path.startsWith('/v1') && r.public).map(key)).toEqual([]);
    const unknown = routes.flatMap((r) => (r.roles ?? []).filter((role) => !ROLES.includes(role)).map((role) => `${key(r)}: ${role}`));
    expect(unknown).toEqual([]);
  });

  it('no route reaches the server around Nest\'s guard except the API documentation', () => {
    const nest = new Set(routes.map(key));
    const around = expressRoutes(t.app).filter((r) => !nest.has(key(r)) && !NON_NEST_PUBLIC.test(r.path));
    expect(around).toEqual([]);
  });

  it('the roles of every docs/api.md route served match docs/api.md', () => {
    const drift = routes
      .filter((r) => API_ROLES[key(r)])
      .filter((r) => sorted(r.roles ?? []).join(',') !== sorted(API_ROLES[key(r)]).join(','))
      .map((r) => `${key(r)}: declares [${r.roles?.join(', ')}], docs/api.md says [${API_ROLES[key(r)].join(', ')}]`);
    expect(drift).toEqual([]);
  });

  it.each(Object.keys(API_ROLES))('serves %s (docs/api.md)', (route) => {
    expect(routes.map(key)).toContain(route);
  });

  it('matrix: no token → 401, roles not allowed → 403 from the guard, allowed roles get past it', async () => {
    const faults: string[] = [];
    for (const route of routes.filter((r) => !r.public)) {
      const name = key(route);
      const allowed = route.roles ?? [];
      const anonymous = await send(route);
      if (anonymous.status !== 401 || anonymous.body.code !== 'UNAUTHENTICATED') faults.push(`${name} without a token: ${anonymous.status}`);

      const denied = ROLES.filter((role) => !allowed.includes(role));
      for (const role of denied) {
        const res = await send(route, await token([role]));
        if (res.status !== 403 || !String(res.body.message).startsWith(ROLE_REQUIRED)) faults.push(`${name} as ${role}: ${res.status} ${res.body.code ?? ''}`);
      }
      if (denied.length > 1) {
        const res = await send(route, await token(denied));
        if (res.status !== 403) faults.push(`${name} with every role but the allowed ones: ${res.status}`);
      }
      const roleless = await send(route, await token([]));
      if (roleless.status !== 403) faults.push(`${name} with no role at all: ${roleless.status}`);

      for (const role of allowed) {
        const res = await send(route, await token([role]));
        const guardRefusal = res.status === 403 && [ROLE_REQUIRED, NO_ROLE_DECLARED].some((m) => String(res.body.message).startsWith(m));
        // Past the guard an unknown id is a 404 (or an object-level 403), an empty body a 400: never 401, never a role refusal, never a 5xx.
        if (res.status === 401 || guardRefusal || res.status >= 500) faults.push(`${name} as ${role}: ${res.status} ${res.body.code ?? ''} ${res.body.message ?? ''}`);
      }
    }
    expect(faults).toEqual([]);
  });
});
