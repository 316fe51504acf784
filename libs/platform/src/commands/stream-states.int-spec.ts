import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { fold, RecordedEvent, StateSpec } from '@app/domain/shared/decider';
import { NewEvent } from '@app/event-store/event-store';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { serverDatabase, TestDatabase } from '../../../../test/support/databases';
import { asRecorded, StreamStates } from './stream-states';

const ev = (n: number): NewEvent => ({
  type: 'Counted',
  data: { n },
  metadata: { actor: { id: 'a', role: 'admin' }, correlationId: 'c', causationId: null, recordedAt: new Date().toISOString() },
});
/** Order-sensitive, so a missed, repeated or reordered event shows. */
const trail: StateSpec<{ seen: number[] }> = { initialState: () => ({ seen: [] }), evolve: (s, e) => ({ seen: [...s.seen, (e.data as { n: number }).n] }) };
const total: StateSpec<{ sum: number }> = { initialState: () => ({ sum: 0 }), evolve: (s, e) => ({ sum: s.sum + (e.data as { n: number }).n }) };

describe('StreamStates', () => {
  let t: TestDatabase;
  let store: PostgresEventStore;
  beforeAll(async () => {
    t = await serverDatabase();
    store = new PostgresEventStore(t.db.pool);
  });
  afterAll(async () => t?.dispose());

  const full = async <S>(stream: string, spec: StateSpec<S, RecordedEvent>) => fold(spec, (await store.readStream(stream, { upcast: true })).map(asRecorded));

  it('reads only the events appended since it last folded the stream, and reuses the state when nothing moved', async () => {
    const states = new StreamStates(store);
    const reads = jest.spyOn(store, 'readStream');
    const stream = `count-${randomUUID()}`;
    await store.append(stream, [ev(1), ev(2)], { expectedVersion: 'no-stream' });
    const first = await states.fold(stream, trail);
    expect(first).toEqual({ state: { seen: [1, 2] }, version: 2 });
    const again = await states.fold(stream, trail);
    expect(again.state).toBe(first.state);
    await store.append(stream, [ev(3)], { expectedVersion: 2 });
    expect(await states.fold(stream, trail)).toEqual({ state: { seen: [1, 2, 3] }, version: 3 });
    expect(reads.mock.calls.map((c) => c[1])).toEqual([{ upcast: true }, { fromVersion: 3, upcast: true }, { fromVersion: 3, upcast: true }]);
    reads.mockRestore();
  });

  it('sees what another process appended (every fold asks the database)', async () => {
    const states = new StreamStates(store);
    const elsewhere = new PostgresEventStore(t.db.pool);
    const stream = `count-${randomUUID()}`;
    await store.append(stream, [ev(1)], { expectedVersion: 'no-stream' });
    await states.fold(stream, trail);
    await elsewhere.append(stream, [ev(2)], { expectedVersion: 1 });
    expect((await states.fold(stream, trail)).state.seen).toEqual([1, 2]);
  });

  it('keeps states of different specs on one stream apart, and a missing stream at version 0', async () => {
    const states = new StreamStates(store);
    const stream = `count-${randomUUID()}`;
    await store.append(stream, [ev(4), ev(5)], { expectedVersion: 'no-stream' });
    expect((await states.fold(stream, trail)).state).toEqual({ seen: [4, 5] });
    expect((await states.fold(stream, total)).state).toEqual({ sum: 9 });
    expect((await states.fold(stream, trail)).state).toEqual({ seen: [4, 5] });
    expect(await states.fold(`count-${randomUUID()}`, total)).toEqual({ state: { sum: 0 }, version: 0 });
  });

  it('forgets the least recently used stream beyond its capacity', async () => {
    const states = new StreamStates(store, 2);
    const streams = [0, 1, 2].map(() => `count-${randomUUID()}`);
    for (const s of streams) await store.append(s, [ev(1)], { expectedVersion: 'no-stream' });
    const a = await states.fold(streams[0], trail);
    await states.fold(streams[1], trail);
    expect((await states.fold(streams[0], trail)).state).toBe(a.state); // a is now the most recent
    await states.fold(streams[2], trail); // evicts streams[1]
    expect((await states.fold(streams[0], trail)).state).toBe(a.state);
    const reads = jest.spyOn(store, 'readStream');
    await states.fold(streams[1], trail);
    expect(reads.mock.calls[0][1]).toEqual({ upcast: true });
    reads.mockRestore();
  });

  it('always equals the fold of the whole stream, whatever the interleaving of appends, folds and evictions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(2), fc.integer({ min: 0, max: 3 }), fc.boolean()), { minLength: 1, maxLength: 15 }), async (steps) => {
        const states = new StreamStates(store, 2);
        const streams = [0, 1, 2].map(() => `count-${randomUUID()}`);
        const versions = [0, 0, 0];
        for (const [s, appended, check] of steps) {
          if (appended > 0) {
            await store.append(streams[s], Array.from({ length: appended }, (_, i) => ev(versions[s] + i)), { expectedVersion: versions[s] === 0 ? 'no-stream' : versions[s] });
            versions[s] += appended;
          }
          if (check) {
            const folded = await states.fold(streams[s], trail);
            expect(folded.version).toBe(versions[s]);
            expect(folded.state).toEqual(await full(streams[s], trail));
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});
