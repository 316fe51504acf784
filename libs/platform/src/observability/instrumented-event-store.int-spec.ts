import { randomUUID } from 'node:crypto';
import { ConcurrencyError, NewEvent } from '@app/event-store/event-store';
import { serverDatabase, TestDatabase } from '../../../../test/support/databases';
import { InstrumentedEventStore } from './instrumented-event-store';
import { Metrics } from './metrics';

const ev = (type: string): NewEvent => ({ type, data: {}, metadata: { actor: { id: 'a', role: 'admin' }, correlationId: 'c', causationId: null, recordedAt: new Date().toISOString() } });

describe('InstrumentedEventStore', () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await serverDatabase()));
  afterAll(async () => t?.dispose());

  it('passes the unchanged streams on (append and appendMany) and counts the conflicts they cause', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const store = new InstrumentedEventStore(t.db.pool, {}, metrics);
    const [read, a, b] = [`r-${randomUUID()}`, `a-${randomUUID()}`, `b-${randomUUID()}`];
    await store.append(read, [ev('R1'), ev('R2')], { expectedVersion: 'no-stream' });
    const stale = [{ streamId: read, version: 1 }];
    await expect(store.append(a, [ev('A1')], { expectedVersion: 'no-stream', unchanged: stale })).rejects.toMatchObject({ streamId: read, actual: 2 });
    await expect(
      store.appendMany([{ streamId: a, expectedVersion: 'no-stream', events: [ev('A1')] }, { streamId: b, expectedVersion: 'no-stream', events: [ev('B1')] }], { unchanged: stale }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.streamVersion(a)).toBe(0);
    expect(await store.streamVersion(b)).toBe(0);
    const conflicts = (await metrics.concurrencyConflicts.get()).values.map((v) => [v.labels.operation, v.value]);
    expect(conflicts.sort()).toEqual([['append', 1], ['appendMany', 1]]);
    await store.appendMany([{ streamId: a, expectedVersion: 'no-stream', events: [ev('A1')] }], { unchanged: [{ streamId: read, version: 2 }] });
    expect(await store.streamVersion(a)).toBe(1);
  });
});
