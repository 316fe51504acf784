import { startTestApp, TestApp } from '../support/app';

/** Every route the Nest router serves, discovered at run time from Express's router. */
function registeredRoutes(t: TestApp): Array<{ method: string; path: string }> {
  const express = t.app.getHttpAdapter().getInstance();
  const stack = (express.router ?? express._router).stack as Array<{ route?: { path: string | string[]; methods: Record<string, boolean> } }>;
  const out: Array<{ method: string; path: string }> = [];
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const path of Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path]) {
      if (path.startsWith('/docs')) continue; // the documentation itself
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') out.push({ method, path: path.replace(/:([A-Za-z0-9_]+)/g, '{$1}') });
      }
    }
  }
  return out;
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: any;
  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http().get('/docs-json').expect(200)).body;
  });
  afterAll(async () => t?.close());

  it('is served at /docs-json with bearer auth and the error body, and Swagger UI at /docs', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.ErrorBody.required).toEqual(['statusCode', 'code', 'message']);
    expect(doc.info.description).toContain('UPPER_SNAKE');
    const ui = await t.http().get('/docs/').redirects(1);
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it('documents every route registered in the router', () => {
    const routes = registeredRoutes(t);
    expect(routes.length).toBeGreaterThanOrEqual(3); // at least /health, /health/ready, /metrics
    const missing = routes.filter((r) => !doc.paths[r.path]?.[r.method]).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(missing).toEqual([]);
  });

  it('states the roles of every /v1 operation, with bearer security and 401/403 answers', () => {
    const faults: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries<any>(item)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (!Array.isArray(op['x-roles']) || op['x-roles'].length === 0) faults.push(`${name}: no x-roles`);
        else if (!String(op.description).includes(`Roles:** ${op['x-roles'].join(', ')}`)) faults.push(`${name}: description does not name its roles`);
        if (!op.security?.some((s: Record<string, unknown>) => 'bearer' in s)) faults.push(`${name}: no bearer security`);
        if (!op.responses?.['401'] || !op.responses?.['403']) faults.push(`${name}: no 401/403`);
      }
    }
    expect(faults).toEqual([]);
  });

  it('marks health and metrics public', () => {
    expect(doc.paths['/health'].get['x-roles']).toEqual([]);
    expect(doc.paths['/metrics'].get.security).toEqual([]);
  });
});
