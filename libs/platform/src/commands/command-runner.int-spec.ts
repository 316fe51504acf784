import { randomUUID } from 'node:crypto';
import { rule } from '@app/domain/shared/errors';
import { StateSpec } from '@app/domain/shared/decider';
import { ConcurrencyError } from '@app/event-store/event-store';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { serverDatabase, TestDatabase } from '../../../../test/support/databases';
import { CommandMeta } from './command-meta';
import { CommandRunner } from './command-runner';
import { CodeOfKind } from '@app/domain/shared/error-codes';

/** The toy streams below refuse with codes of their own, not of the API's catalogue. */
const toyCode = (code: string) => code as CodeOfKind<'rule'>;

/** A "claim once" aggregate: the second claim is refused, as a second first score is. */
const spec: StateSpec<{ claimed: boolean }> = { initialState: () => ({ claimed: false }), evolve: () => ({ claimed: true }) };

/** One schema for the file: every test works on streams of its own. */
let t: TestDatabase;
let store: PostgresEventStore;
beforeAll(async () => {
  t = await serverDatabase();
  store = new PostgresEventStore(t.db.pool);
});
afterAll(async () => t?.dispose());

describe('CommandRunner: a retry with the same Idempotency-Key after the answer was lost', () => {
  let runner: CommandRunner;
  beforeAll(() => {
    runner = new CommandRunner(store);
  });

  const claim = (meta: CommandMeta, stream: string) =>
    runner.run(meta, async (uow) => {
      const { state } = await uow.load(stream, spec);
      if (state.claimed) throw rule(toyCode('ALREADY_CLAIMED'), 'already claimed');
      uow.append(stream, [{ type: 'Claimed', data: { ticket: uow.context.newId() } }]);
      return { id: stream, primaryStream: stream, extra: { ticket: 'see event' } };
    });
  const meta = (key?: string): CommandMeta => ({ actor: { id: 'u1', role: 'admin' }, correlationId: randomUUID(), commandId: randomUUID(), idempotencyKey: key });

  it('answers the first result again and writes nothing, even though deciding again on the current state would refuse', async () => {
    const stream = `claim-${randomUUID()}`;
    const key = randomUUID();
    const first = await claim(meta(key), stream);
    // Someone else's event lands after it: the retry still finds its own.
    await store.append(stream, [{ type: 'Noted', data: {}, metadata: { actor: { id: 'x', role: 'admin' }, correlationId: 'c', causationId: null, recordedAt: new Date().toISOString() } }], { expectedVersion: 1 });
    const retry = await claim(meta(key), stream);
    expect(retry).toEqual(first);
    expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['Claimed', 'Noted']);
    // Ids a decision generates are deterministic under the key too.
    const ticket = (await store.readStream(stream))[0].data.ticket;
    const other = `claim-${randomUUID()}`;
    await claim(meta(key), other);
    expect((await store.readStream(other))[0].data.ticket).toBe(ticket);
  });

  it('without a key, or with another key, the rule still refuses', async () => {
    const stream = `claim-${randomUUID()}`;
    await claim(meta(randomUUID()), stream);
    await expect(claim(meta(randomUUID()), stream)).rejects.toMatchObject({ code: 'ALREADY_CLAIMED' });
    await expect(claim(meta(), stream)).rejects.toMatchObject({ code: 'ALREADY_CLAIMED' });
  });
});

/** A door: 'Enter' is refused while it is closed; every entry records how many came before. */
interface Door {
  open: boolean;
  entries: number;
}
const door: StateSpec<Door> = {
  initialState: () => ({ open: false, entries: 0 }),
  evolve: (s, e) => (e.type === 'Opened' ? { ...s, open: true } : e.type === 'Closed' ? { ...s, open: false } : { ...s, entries: s.entries + 1 }),
};

describe('CommandRunner: kept states and the streams a decision read', () => {
  const meta = (ifMatch?: number): CommandMeta => ({ actor: { id: 'u1', role: 'admin' }, correlationId: randomUUID(), commandId: randomUUID(), ifMatch });
  const raw = (type: string, data: object = {}) => ({ type, data, metadata: { actor: { id: 'x', role: 'admin' }, correlationId: 'c', causationId: null, recordedAt: new Date().toISOString() } });
  /** Enter the room (written) through the door (only read). */
  const enter = (runner: CommandRunner, room: string, doorStream: string, m = meta(), between?: () => Promise<void>) =>
    runner.run(m, async (uow) => {
      const [{ state: d }, { state: r }] = (await uow.loadMany([
        { streamId: doorStream, spec: door },
        { streamId: room, spec: door },
      ])) as Array<{ state: Door }>;
      if (!d.open) throw rule(toyCode('DOOR_CLOSED'), 'the door is closed');
      uow.append(room, [{ type: 'Entered', data: { after: r.entries } }]);
      await between?.();
      return { id: room, primaryStream: room };
    });

  it('decides on kept states without reading them, and a state that fell behind only costs a retry', async () => {
    const runner = new CommandRunner(store);
    const [room, doorStream] = [`room-${randomUUID()}`, `door-${randomUUID()}`];
    await store.append(doorStream, [raw('Opened')], { expectedVersion: 'no-stream' });
    await enter(runner, room, doorStream);
    const reads = [jest.spyOn(store, 'readStream'), jest.spyOn(store, 'readStreams')];
    await enter(runner, room, doorStream);
    expect(reads.map((r) => r.mock.calls.length)).toEqual([0, 0]);
    // Another process enters: this one's kept room is behind, its append conflicts, it reads and lands.
    await enter(new CommandRunner(store), room, doorStream);
    const third = await enter(runner, room, doorStream);
    reads.forEach((r) => r.mockRestore());
    expect(third.version).toBe(4);
    expect((await store.readStream(room)).map((e) => e.data.after)).toEqual([0, 1, 2, 3]);
  });

  it('never answers a refusal decided on a kept state: it decides again on what the database holds', async () => {
    const runner = new CommandRunner(store);
    const [room, doorStream] = [`room-${randomUUID()}`, `door-${randomUUID()}`];
    await store.append(doorStream, [raw('Opened')], { expectedVersion: 'no-stream' });
    await enter(runner, room, doorStream);
    await store.append(doorStream, [raw('Closed')], { expectedVersion: 1 });
    await expect(enter(runner, room, doorStream)).rejects.toMatchObject({ code: 'DOOR_CLOSED' });
    // Kept: closed. Another process opens it: the kept refusal is not the answer.
    await store.append(doorStream, [raw('Opened')], { expectedVersion: 2 });
    await expect(enter(runner, room, doorStream)).resolves.toMatchObject({ version: 2 });
  });

  it('does not write when a stream it only read moved in between, and decides again (even under If-Match)', async () => {
    const runner = new CommandRunner(store);
    const [room, doorStream] = [`room-${randomUUID()}`, `door-${randomUUID()}`];
    await store.append(doorStream, [raw('Opened')], { expectedVersion: 'no-stream' });
    await enter(runner, room, doorStream);
    let closed = false;
    const closeOnce = async () => {
      if (closed) return;
      closed = true;
      await store.append(doorStream, [raw('Closed')], { expectedVersion: 1 });
    };
    // The door closes after the decision and before the append: the entry must not land.
    await expect(enter(runner, room, doorStream, meta(1), closeOnce)).rejects.toMatchObject({ code: 'DOOR_CLOSED' });
    expect(await store.streamVersion(room)).toBe(1);
    // If-Match still refuses a conflict on the stream the client named.
    await store.append(doorStream, [raw('Opened')], { expectedVersion: 2 });
    const racing = enter(runner, room, doorStream, meta(1), () => store.append(room, [raw('Entered', { after: 1 })], { expectedVersion: 1 }).then(() => undefined));
    await expect(racing).rejects.toBeInstanceOf(ConcurrencyError);
  });
});
