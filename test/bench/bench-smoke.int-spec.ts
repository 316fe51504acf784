import { benchUrl, withClient } from './lib';

const leftovers = () =>
  withClient(benchUrl(), async (c) => {
    const schemas = await c.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'bench\\_append\\_%' OR nspname LIKE 'bench\\_read\\_%'`);
    const databases = await c.query(`SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'bench\\_peer\\_%'`);
    return schemas.rows[0].n + databases.rows[0].n;
  });
import { QUICK, runBench, summarize, targets } from './bench';

/**
 * The benchmark's plumbing, at a toy size: the append suite runs against the
 * three contenders and the summary has every key. No timing is asserted:
 * figures on a shared machine prove nothing in a test.
 */
describe('benchmark smoke', () => {
  jest.setTimeout(120_000);

  it('runs the append suite and summarises it with positive figures and nulls for suites not run', async () => {
    const before = await leftovers();
    const { results, summary, file } = await runBench({
      url: benchUrl(),
      quick: true,
      only: new Set(['append']),
      sizes: { ...QUICK, appendEvents: 160 },
    });
    expect(file).toBeNull();
    const keys = [
      'appendEventsPerSec', 'baselineInsertsPerSec', 'peerEventsPerSec', 'appendRatioVsBaseline', 'appendRatioVsPeer',
      'httpCommandsPerSec', 'httpRatioVsBaseline', 'httpP99Ms', 'httpNon2xx', 'rebuildEventsPerSec', 'verifyEventsPerSec', 'timeTravelMs', 'sheetFirstPageMs',
    ];
    for (const key of keys) expect(summary).toHaveProperty(key);
    for (const key of ['appendEventsPerSec', 'baselineInsertsPerSec', 'peerEventsPerSec', 'appendRatioVsBaseline', 'appendRatioVsPeer'] as const) {
      expect(typeof summary[key]).toBe('number');
      expect(summary[key]).toBeGreaterThan(0);
    }
    for (const key of ['httpCommandsPerSec', 'httpP99Ms', 'rebuildEventsPerSec', 'verifyEventsPerSec', 'timeTravelMs', 'sheetFirstPageMs'] as const) expect(summary[key]).toBeNull();
    expect(results.append!.single.ours.events).toBe(160);
    expect(results.append!.batch!.ours.events).toBe(160);
    expect(results.notes).toEqual([]);
    expect(summarize(results)).toEqual(summary);
    // The run's schema and the peer's database are dropped.
    expect(await leftovers()).toBe(before);
    expect(targets(summary).find((t) => t.name.startsWith('rebuild'))!.holds).toBeNull();
  });

  it('replays a small log through each read model and gives the CPU per event of Node and PostgreSQL', async () => {
    const before = await leftovers();
    const { results, summary } = await runBench({ url: benchUrl(), quick: true, only: new Set(['readside']), sizes: { ...QUICK, readSideCandidates: 50 } });
    expect(results.notes).toEqual([]);
    // 50 candidates × 100 events, and the referential's two (enough for PostgreSQL's CPU to show in 10 ms ticks).
    expect(results.readSide!.events).toBe(5002);
    expect(results.readSide!.projections.map((p) => p.name)).toEqual(['candidate-progress', 'back-office']);
    for (const p of results.readSide!.projections) {
      expect(p.nodeUsPerEvent).toBeGreaterThan(0);
      expect(p.dbUsPerEvent).toBeGreaterThan(0);
    }
    expect(summary.readSideNodeUsPerEvent).toBeCloseTo(results.readSide!.projections.reduce((sum, p) => sum + p.nodeUsPerEvent, 0), 1);
    expect(summary.appendEventsPerSec).toBeNull();
    expect(await leftovers()).toBe(before);
  });
});
