import { execFile } from 'node:child_process';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The bench's load generator (children/load.js) against a local server that
 * answers in every form an HTTP/1.1 server may: a Content-Length, chunks, a
 * closed connection after the answer, refusals. What it counts must be what
 * the server saw.
 */
const dir = mkdtempSync(join(tmpdir(), 'bench-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(plan: Record<string, unknown>): Promise<any> {
  const file = join(dir, `plan-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(plan));
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [join(__dirname, 'children', 'load.js'), file], (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(JSON.parse(stdout.trim())))),
  );
}

function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

const plan = (url: string, route: string) => ({
  baseUrl: url,
  token: 't0k3n',
  connections: 4,
  seconds: 1,
  route,
  candidateIds: ['c1', 'c2', 'c3'],
  criteria: [{ criterion: 'CE1.1' }, { criterion: 'CE1.2' }],
  sessionId: 's1',
  offset: 0,
});

describe('bench load generator (children/load.js)', () => {
  it('posts scores rotating over candidates then criteria, and counts answers of every form as the server sent them', async () => {
    const seen: Array<{ path: string; body: any; auth: string | undefined }> = [];
    let n = 0;
    const { server, url } = await serve((req, body, res) => {
      seen.push({ path: req.url!, body: JSON.parse(body), auth: req.headers.authorization });
      const i = n++;
      if (i % 5 === 1) {
        res.writeHead(201, { 'content-type': 'application/json' }); // no length: chunked
        res.write('{"id":');
        res.end('"x"}');
      } else if (i % 5 === 2) {
        res.writeHead(409, { 'content-type': 'application/json', connection: 'close' });
        res.end('{"code":"CONCURRENCY_CONFLICT"}');
      } else {
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"x","version":1}');
      }
    });
    try {
      const r = await run(plan(url, 'scores'));
      expect(r.requests).toBeGreaterThan(20);
      expect(r.errors).toBe(0);
      expect(r.timeouts).toBe(0);
      // Answers completed after the deadline are not counted; the server may have seen a few more.
      expect(r.requests).toBeLessThanOrEqual(seen.length);
      expect(r.statusCodes['201'].count + (r.statusCodes['409']?.count ?? 0)).toBe(r.requests);
      expect(r.non2xx).toBe(r.statusCodes['409'].count);
      expect(r.non2xx).toBeGreaterThan(0);
      expect(r.p50Ms).toBeGreaterThan(0);
      expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
      expect(r.maxMs).toBeGreaterThanOrEqual(r.p99Ms);
      expect(r.cpuUs).toBeGreaterThan(0);
      expect(r.sent).toBe(seen.length);
      // The rotation over the 3 × 2 pairs (connections interleave, so the server sees them a little out of order):
      // each pair once as a first score, then corrections flipping the result.
      expect(seen.every((s) => s.auth === 'Bearer t0k3n' && s.body.sessionId === 's1' && typeof s.body.comment === 'string')).toBe(true);
      const firsts = seen.filter((s) => s.body.correctionReason === undefined);
      expect(firsts.map((s) => `${s.path} ${s.body.criterion} ${s.body.result}`).sort()).toEqual(
        ['c1', 'c2', 'c3'].flatMap((c) => ['CE1.1', 'CE1.2'].map((k) => `/v1/candidates/${c}/scores ${k} acquired`)).sort(),
      );
      const corrections = seen.filter((s) => s.body.correctionReason !== undefined);
      expect(corrections.length).toBe(seen.length - 6);
      expect(corrections.filter((s) => s.body.result === 'not-acquired').length).toBeGreaterThanOrEqual(6);
    } finally {
      server.close();
    }
  });

  it('reads progress with GET, and counts a connection reset with an answer pending as an error', async () => {
    let n = 0;
    const { server, url } = await serve((req, _body, res) => {
      expect(req.method).toBe('GET');
      if (n++ === 3) return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end(`{"path":"${req.url}"}`);
    });
    try {
      const r = await run(plan(url, 'progress'));
      expect(r.statusCodes['200'].count).toBe(r.requests);
      expect(r.errors).toBe(1);
      expect(r.requests).toBeGreaterThan(20);
    } finally {
      server.close();
    }
  });
});
