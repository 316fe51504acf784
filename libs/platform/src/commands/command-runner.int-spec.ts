import { randomUUID } from 'node:crypto';
import { rule } from '@app/domain/shared/errors';
import { StateSpec } from '@app/domain/shared/decider';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { serverDatabase, TestDatabase } from '../../../../test/support/databases';
import { CommandMeta } from './command-meta';
import { CommandRunner } from './command-runner';

/** A "claim once" aggregate: the second claim is refused, as a second first score is. */
const spec: StateSpec<{ claimed: boolean }> = { initialState: () => ({ claimed: false }), evolve: () => ({ claimed: true }) };

describe('CommandRunner: a retry with the same Idempotency-Key after the answer was lost', () => {
  let t: TestDatabase;
  let store: PostgresEventStore;
  let runner: CommandRunner;

  beforeAll(async () => {
    t = await serverDatabase();
    store = new PostgresEventStore(t.db.pool);
    runner = new CommandRunner(store);
  });
  afterAll(async () => t?.dispose());

  const claim = (meta: CommandMeta, stream: string) =>
    runner.run(meta, async (uow) => {
      const { state } = await uow.load(stream, spec);
      if (state.claimed) throw rule('ALREADY_CLAIMED', 'already claimed');
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
