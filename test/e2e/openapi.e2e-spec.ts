import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { SUMMARY_MAX, TAGS } from '../../apps/api/src/openapi';
import { startTestApp, TestApp } from '../support/app';
import { serverRoutes } from '../support/routes';

/** Every route the Nest router serves, discovered at run time from the HTTP server's route table. */
function registeredRoutes(t: TestApp): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  for (const { method, path } of serverRoutes(t.app)) {
    if (path.startsWith('/docs')) continue; // the documentation itself
    if (path === '/console' || path === '/console/*') continue; // the console's static files (docs/console.md), not API operations
    if (method === 'OPTIONS' && path === '*') continue; // the CORS preflight, when configured
    out.push({ method: method.toLowerCase(), path: path.replace(/:([A-Za-z0-9_]+)/g, '{$1}') });
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

  /** Every (method, path) pair with its operation object. */
  const operations = () => Object.entries<any>(doc.paths).flatMap(([path, item]) => Object.entries<any>(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, path, method, op })));
  const isErrorResponse = (r: any) => r?.content?.['application/json']?.schema?.$ref === '#/components/schemas/ErrorBody';

  it('gives every operation a summary of at most 100 characters and one declared tag', () => {
    expect(doc.servers?.length).toBeGreaterThan(0);
    const declared = new Set((doc.tags ?? []).map((t: { name: string }) => t.name));
    expect([...declared]).toEqual(TAGS.map((t) => t.name));
    const faults: string[] = [];
    for (const { name, op } of operations()) {
      if (typeof op.summary !== 'string' || op.summary.trim() === '') faults.push(`${name}: no summary`);
      else if (op.summary.length > SUMMARY_MAX) faults.push(`${name}: summary of ${op.summary.length} characters`);
      if (!Array.isArray(op.tags) || op.tags.length !== 1 || !declared.has(op.tags[0])) faults.push(`${name}: tags ${JSON.stringify(op.tags)}`);
    }
    expect(faults).toEqual([]);
  });

  it('documents the error answers each operation can give, with the error body', () => {
    const faults: string[] = [];
    for (const { name, path, op } of operations()) {
      const params: Array<{ in: string }> = op.parameters ?? [];
      const expected = ['429'];
      if (path.startsWith('/v1/')) expected.push('401', '403', '503');
      if (op.requestBody) expected.push('400', '413');
      if (params.some((p) => p.in === 'path')) expected.push('400', '404');
      if (op.responses['201']) expected.push('409', '412', '422');
      for (const status of expected) if (!isErrorResponse(op.responses[status])) faults.push(`${name}: no ${status} with the error body`);
      for (const [status, answer] of Object.entries<any>(op.responses)) {
        if (/^[45]/.test(status) && answer.content && !isErrorResponse(answer) && !(path === '/health' || path === '/health/ready')) faults.push(`${name}: ${status} without the error body`);
      }
    }
    expect(faults).toEqual([]);
  });

  it('declares the content type of the PDF, CSV, XML and NDJSON answers', () => {
    const faults: string[] = [];
    const types: Array<[RegExp, string]> = [[/\.pdf$/, 'application/pdf'], [/\.csv$/, 'text/csv'], [/^\/v1\/exports\/accrochage$/, 'application/xml'], [/^\/v1\/audit\/export$/, 'application/x-ndjson'], [/^\/metrics$/, 'text/plain']];
    for (const { name, path, op } of operations()) {
      for (const [re, type] of types) if (re.test(path) && !op.responses['200']?.content?.[type]) faults.push(`${name}: 200 does not declare ${type}`);
    }
    expect(faults).toEqual([]);
    expect(operations().some(({ path }) => path.endsWith('.pdf'))).toBe(true);
  });

  describe('tools', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'openapi-'));
      writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('passes redocly lint with the recommended rules: no error, no warning', () => {
      const cli = require.resolve('@redocly/cli/bin/cli.js');
      const run = spawnSync(process.execPath, [cli, 'lint', join(dir, 'openapi.json'), '--format=json', '--extends=recommended'], { encoding: 'utf8', cwd: dir });
      const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{')));
      const problems = report.problems.map((p: any) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`);
      expect(problems).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    });

    it('generates a typed client that compiles', async () => {
      const { default: openapiTS, astToString } = await import('openapi-typescript');
      const source = astToString(await openapiTS(doc));
      const file = join(dir, 'client.ts');
      writeFileSync(file, `${source}\nexport type Progress = paths['/v1/candidates/{id}/progress']['get'];\n`);
      const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022 });
      const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(diagnostics).toEqual([]);
      expect(source).toContain('"/v1/juries/{id}/record.pdf"');
    });
  });
});
