import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { referentialStream } from '@app/domain/referential/referential-state';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { serverDatabase, TestDatabase } from '../../../../test/support/databases';
import { StreamStates } from '@app/platform/commands/stream-states';
import { UnitOfWork } from '@app/platform/commands/command-runner';
import { CandidateContextReader } from './candidate-loading';

const SEED = JSON.parse(readFileSync(join(__dirname, '../../../../libs/domain/src/referential/seed/manager-marketing-commercial.referential.json'), 'utf8'));
const meta = () => ({ actor: { id: 'a', role: 'admin' }, correlationId: 'c', causationId: null, recordedAt: new Date().toISOString() });

describe('CandidateContextReader referential cache', () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await serverDatabase()));
  afterAll(async () => t?.dispose());

  it('reuses the folded referential while its stream is unchanged, and folds again when it moves', async () => {
    const store = new PostgresEventStore(t.db.pool);
    const states = new StreamStates(store);
    const reader = new CandidateContextReader(states);
    // Each read in a command's unit of work, as the handlers read it.
    const commandMeta = { actor: { id: 'a', role: 'admin' as const }, correlationId: 'c', commandId: randomUUID() };
    const referential = (referentialId: string) => reader.referential(new UnitOfWork(store, states, commandMeta, new Date().toISOString()), referentialId);
    const id = randomUUID();
    await store.append(referentialStream(id), [{ type: 'ReferentialDrafted', data: { referentialId: id, version: 1, document: SEED }, metadata: meta() }], { expectedVersion: 'no-stream' });
    const draft = await referential(id);
    expect(draft.status).toBe('draft');
    expect(await referential(id)).toBe(draft);
    await store.append(referentialStream(id), [{ type: 'ReferentialPublished', data: { referentialId: id, code: SEED.code, version: 1 }, metadata: meta() }], { expectedVersion: 1 });
    const published = await referential(id);
    expect(published.status).toBe('published');
    expect(published).not.toBe(draft);
    expect((await referential(randomUUID())).status).toBe('none');
  });
});
