import { BenchResults, summarize, table } from './bench';

/** A run's results with only what the HTTP figures are computed from. */
function results(databaseUsPerRequest: number | null): BenchResults {
  return {
    startedAt: '2026-11-30T00:00:00.000Z',
    quick: true,
    machine: { cpus: 2 },
    sizes: {} as never,
    append: { single: { mode: 'single', ours: { eventsPerSec: 9000 }, baseline: { eventsPerSec: 8000 }, ratioVsBaseline: 1.13 } } as never,
    http: {
      backend: 'server', candidates: 500, connections: 32, seconds: 8, seedMs: 1, workers: 1, peakRssMb: 250, notes: [], progress: null,
      scores: { requests: 8000, requestsPerSec: 1000, p50Ms: 20, p99Ms: 60, maxMs: 90, non2xx: 0, errors: 0, timeouts: 0, statusCodes: {}, cpuUs: 1_600_000 },
      scoresCpu: { apiUsPerRequest: 600, databaseUsPerRequest, loadUsPerRequest: 200, apiMainThread: { usPerRequest: 400, busiestShare: 0.6 } },
    },
    readSide: null, bigLog: null, rebuild: null, verify: null, timeTravel: null, sheet: null, embedded: null, notes: [],
  };
}

describe('the HTTP figures of the bench summary', () => {
  it('gives what the cores allow at the CPU per request measured, and its ratio to plain INSERT', () => {
    const summary = summarize(results(200));
    expect(summary.httpLoadCpuUsPerCommand).toBe(200);
    // 2 cores × 1 s ÷ (600 + 200 + 200 µs) = 2,000 requests/s, ÷ 8,000 plain INSERTs/s.
    expect(summary.httpCpuCeilingPerSec).toBe(2000);
    expect(summary.httpCpuCeilingRatioVsBaseline).toBe(0.25);
    expect(table(results(200))).toMatch(/at most on 2 cores at that CPU per request +\| 2,000 +\| 8,000 +\| 0\.25×/);
    expect(table(results(200))).toMatch(/API \/ PostgreSQL \/ load generator +\| 600 \/ 200 \/ 200/);
  });

  it('gives no ceiling when the database server is not on this machine (its CPU unknown)', () => {
    const summary = summarize(results(null));
    expect(summary.httpCpuCeilingPerSec).toBeNull();
    expect(summary.httpCpuCeilingRatioVsBaseline).toBeNull();
    expect(table(results(null))).not.toMatch(/at most on/);
  });
});
