import { apiWorkers, restartDelayMs, workersLine } from './cluster';

describe('API_WORKERS', () => {
  const server = { databaseUrl: 'postgres://db.internal/cert' };
  const embedded = { databaseUrl: undefined };

  it('auto: one process on the embedded database, one per core but one (at most 4) on a server', () => {
    expect(apiWorkers(embedded, {}, 8)).toBe(1);
    expect(apiWorkers(embedded, { API_WORKERS: 'auto' }, 8)).toBe(1);
    expect(apiWorkers(server, {}, 2)).toBe(1);
    expect(apiWorkers(server, {}, 4)).toBe(3);
    expect(apiWorkers(server, { API_WORKERS: 'auto' }, 16)).toBe(4);
    expect(apiWorkers(server, {}, 1)).toBe(1);
  });

  it('an integer overrides, within 1…64', () => {
    expect(apiWorkers(server, { API_WORKERS: '6' }, 2)).toBe(6);
    expect(apiWorkers(embedded, { API_WORKERS: '1' }, 8)).toBe(1);
    for (const bad of ['0', '65', '2.5', 'two', '-1']) expect(() => apiWorkers(server, { API_WORKERS: bad }, 2)).toThrow(/API_WORKERS must be "auto" or an integer between 1 and 64/);
  });

  it('refuses more than one process on the embedded database, naming the setting and why', () => {
    expect(() => apiWorkers(embedded, { API_WORKERS: '2' }, 8)).toThrow(expect.objectContaining({ name: 'ConfigError', message: expect.stringMatching(/^API_WORKERS=2 needs a PostgreSQL server \(DATABASE_URL\).*lose acknowledged writes/) }));
  });

  it('restarts a dying worker after 0.5 s, doubling up to 30 s', () => {
    expect([1, 2, 3, 4, 7, 20].map(restartDelayMs)).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
  });

  it('says where the projections run', () => {
    expect(workersLine(2, { runProjections: true }, [11, 12])).toBe('2 API worker processes (pids 11, 12), projections and ledger sealer in worker 1');
    expect(workersLine(1, { runProjections: false })).toBe('1 API worker process, projections and ledger sealer in a separate projector');
    const server = { runProjections: true, databaseUrl: 'postgres://db/x' };
    expect(workersLine(1, { ...server, projectionsThread: 'on' })).toBe('1 API worker process, projections and ledger sealer in worker 1, on a thread of its own');
    expect(workersLine(1, { ...server, projectionsThread: 'off' })).toBe('1 API worker process, projections and ledger sealer in worker 1');
    // 'auto' is the API entry's to resolve (main.ts): a config left at it runs them on the main thread.
    expect(workersLine(1, { ...server, projectionsThread: 'auto' })).toBe('1 API worker process, projections and ledger sealer in worker 1');
  });
});
