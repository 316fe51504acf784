import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@app/event-store/database';
import type { EventStore } from '@app/event-store/event-store';
import type { Projection } from './projection';
import { ProjectionLogger, ProjectionRuntime } from './projection-runtime';
import { READ_SIDE_WORKER, ReadSideThread } from './read-side-thread';

/**
 * The main thread's side of the read side's thread, against small stand-in
 * workers (the real one, read-side-thread.worker.ts, runs in the built API:
 * test/e2e/read-side-thread.e2e-spec.ts).
 */
// Threads start slowly on a loaded machine, and one test waits through two restart delays (1 s, then 2 s).
jest.setTimeout(30_000);

describe('ReadSideThread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'read-side-thread-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const worker = (name: string, body: string) => {
    const file = join(dir, `${name}.js`);
    writeFileSync(file, `const { parentPort } = require('node:worker_threads');\n${body}`);
    return file;
  };
  const projection = (name: string): Projection => ({ name, codeVersion: 1, tables: {}, handles: () => true, apply: async () => undefined });
  const setUp = () => {
    const lines: Array<[keyof ProjectionLogger, string]> = [];
    const logger: ProjectionLogger = { log: (m) => lines.push(['log', m]), warn: (m) => lines.push(['warn', m]), error: (m) => lines.push(['error', m]) };
    // The runtime's constructor only keeps its database and store: nothing here reaches a database.
    const db = { pool: {}, schema: 'public', kind: 'server' } as unknown as Database;
    const runtime = new ProjectionRuntime(db, {} as EventStore, [projection('p1'), projection('p2')], { logger });
    return { runtime, logger, lines };
  };
  const until = async (check: () => boolean, what: string, ms = 5000) => {
    for (const deadline = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  };

  it('adopts a runner per projection, takes the states the thread reports, passes hurry over, and stops it', async () => {
    const entry = worker(
      'reports',
      `parentPort.postMessage({ type: 'runner', name: 'p1', status: 'live', checkpoint: { transactionId: '12', position: 7 }, failures: 2, progressed: true });
       parentPort.postMessage({ type: 'log', level: 'warn', message: 'from the thread' });
       parentPort.on('message', (m) => {
         if (m.type === 'hurry') parentPort.postMessage({ type: 'log', level: 'log', message: 'hurried ' + m.name });
         if (m.type === 'stop') process.exit(0);
       });`,
    );
    const { runtime, logger, lines } = setUp();
    const thread = new ReadSideThread(runtime, {} as never, logger, { entry });
    expect(() => runtime.adopt('p1', runtime.runnerOf('p1')!)).toThrow(/already has a runner/);
    const progressed = new Promise<string>((resolve) => runtime.events.once('progress', resolve));
    thread.start();
    expect(await progressed).toBe('p1');
    expect(runtime.runnerStatus('p1')).toBe('live');
    expect(runtime.runnerOf('p1')).toMatchObject({ checkpoint: { transactionId: '12', position: 7 }, failures: 2 });
    expect(runtime.runnerStatus('p2')).toBe('idle');
    await until(() => lines.some(([l, m]) => l === 'warn' && m === 'from the thread'), 'the relayed log line');
    runtime.hurry('p1');
    await until(() => lines.some(([, m]) => m === 'hurried p1'), 'hurry to cross over');
    await thread.stop();
    expect(runtime.runnerStatus('p1')).toBe('stopped');
    expect(lines.filter(([l]) => l === 'error')).toEqual([]);
  });

  it('starts a thread that died again after a second, and no more once stopped', async () => {
    const entry = worker('dies', `parentPort.postMessage({ type: 'log', level: 'log', message: 'started' }); setTimeout(() => process.exit(3), 50);`);
    const { runtime, logger, lines } = setUp();
    const thread = new ReadSideThread(runtime, {} as never, logger, { entry });
    thread.start();
    await until(() => lines.filter(([, m]) => m === 'started').length === 2, 'the second start', 10_000);
    expect(lines.find(([l]) => l === 'error')?.[1]).toBe('read side thread exited (code 3): the projections and the ledger sealer start again in 1 s');
    expect(lines.some(([, m]) => /start again in 2 s/.test(m))).toBe(false);
    await until(() => lines.some(([, m]) => /start again in 2 s/.test(m)), 'the second exit, with a longer delay', 10_000);
    await thread.stop();
    const starts = lines.filter(([, m]) => m === 'started').length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(lines.filter(([, m]) => m === 'started').length).toBe(starts);
  });

  it('terminates a thread that does not stop in time', async () => {
    const entry = worker('deaf', `setInterval(() => undefined, 1000); parentPort.on('message', () => undefined);`);
    const { runtime, logger, lines } = setUp();
    const thread = new ReadSideThread(runtime, {} as never, logger, { entry });
    thread.start();
    await new Promise((r) => setTimeout(r, 100));
    await thread.stop(200);
    expect(lines).toContainEqual(['warn', 'read side thread did not stop within 200 ms: terminated']);
  });

  it('refuses to start without the built worker, naming it', () => {
    const { runtime, logger } = setUp();
    const thread = new ReadSideThread(runtime, {} as never, logger, { entry: join(dir, 'missing.js') });
    expect(() => thread.start()).toThrow(`PROJECTIONS_THREAD=on needs the built application (npm start builds it): ${join(dir, 'missing.js')} is missing`);
    expect(READ_SIDE_WORKER).toMatch(/read-side-thread\.worker\.js$/);
  });
});
