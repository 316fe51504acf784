import { randomUUID } from 'node:crypto';
import { candidateStream } from '@app/domain/candidate/candidate';
import { juryStream } from '@app/domain/jury/jury';
import { sessionStream } from '@app/domain/session/session';
import { EventStore, NewEvent } from '@app/event-store/event-store';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { newWorld, referentialWrite, World } from '@app/projections/testing/progress-fixtures';
import { startTestApp, TestApp } from '../support/app';

jest.setTimeout(60_000);

/** `GET /v1/candidates/{id}/history` with `?type=`, `?from=&to=` and `?after=&limit=` (docs/api.md). */
describe('candidate history: filters and paging', () => {
  let t: TestApp;
  let store: EventStore;
  let world: World;
  let admin: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const at = (day: number) => `2025-03-${String(day).padStart(2, '0')}T10:00:00.000Z`;
  const event = (type: string, data: object, recordedAt: string, role = 'admin'): NewEvent => ({
    type,
    data,
    metadata: { actor: { id: `u-${role}`, role }, correlationId: randomUUID(), causationId: null, recordedAt },
  });

  beforeAll(async () => {
    t = await startTestApp();
    store = t.app.get(EVENT_STORE);
    world = newWorld();
    await store.appendMany([referentialWrite(world)]);
    await store.append(sessionStream(world.sessionId), [event('SessionOpened', { sessionId: world.sessionId, referentialId: world.referentialId, title: 'Session', startsOn: '2025-03-01', endsOn: '2025-03-31' }, at(1))], { expectedVersion: 'no-stream' });
    await store.append(juryStream(world.juryId), [event('JuryConvened', { juryId: world.juryId, sessionId: world.sessionId, referentialId: world.referentialId, members: [{ userId: 'jury-1', name: 'Paule', president: true, professional: true }] }, at(1))], { expectedVersion: 'no-stream' });
    admin = await t.token('admin-1', ['admin']);
  });
  afterAll(async () => t?.close());

  /** A candidate whose file and jury events interleave in the log, one event a day from day 1; another candidate's jury event among them. */
  async function candidate(): Promise<string> {
    const id = randomUUID();
    const { sessionId, referentialId, juryId } = world;
    const own = (type: string, data: object, day: number) => store.append(candidateStream(id), [event(type, { candidateId: id, ...data }, at(day))], { expectedVersion: 'any' });
    const jury = (candidateId: string, day: number) =>
      store.append(juryStream(juryId), [event('CriterionNeutralised', { juryId, candidateId, block: 'BC01', criterion: 'CE1.2', opinionId: randomUUID() }, at(day), 'jury')], { expectedVersion: 'any' });
    await own('CandidateRegistered', { identity: { alg: 'A256GCM', kid: id, iv: 'x', ct: 'y', tag: 'z' }, accessRoute: 'vae' }, 1);
    await own('CandidateEnrolled', { sessionId, referentialId, blocks: ['BC01'] }, 2);
    await own('CriterionScored', { sessionId, block: 'BC01', criterion: 'CE1.1', result: 'acquired' }, 3);
    await jury(id, 4);
    await jury(randomUUID(), 4); // about someone else: never in this history
    await own('CriterionScored', { sessionId, block: 'BC01', criterion: 'CE1.2', result: 'acquired' }, 5);
    await own('BlockDecisionRecorded', { juryId, sessionId, block: 'BC01', decision: 'validated', revision: false }, 6);
    return id;
  }

  const history = async (id: string, query = ''): Promise<Array<{ position: number; type: string; recordedAt: string }>> =>
    (await t.http().get(`/v1/candidates/${id}/history${query}`).set(auth(admin)).expect(200)).body;
  const types = (entries: Array<{ type: string }>) => entries.map((e) => e.type);

  it('without a filter answers the whole history, as before', async () => {
    const id = await candidate();
    const all = await history(id);
    expect(types(all)).toEqual(['CandidateRegistered', 'CandidateEnrolled', 'CriterionScored', 'CriterionNeutralised', 'CriterionScored', 'BlockDecisionRecorded']);
    expect(all.map((e) => e.position)).toEqual([...all.map((e) => e.position)].sort((a, b) => a - b));
  });

  it('?type= keeps one or more event types, from the file and the jury streams alike', async () => {
    const id = await candidate();
    expect(types(await history(id, '?type=CriterionScored'))).toEqual(['CriterionScored', 'CriterionScored']);
    expect(types(await history(id, '?type=CriterionNeutralised,BlockDecisionRecorded'))).toEqual(['CriterionNeutralised', 'BlockDecisionRecorded']);
    expect(await history(id, '?type=AppealLodged')).toEqual([]);
  });

  it('?from=&to= keep what was recorded in that window, both ends included', async () => {
    const id = await candidate();
    const window = await history(id, `?from=${encodeURIComponent(at(3))}&to=${encodeURIComponent(at(5))}`);
    expect(types(window)).toEqual(['CriterionScored', 'CriterionNeutralised', 'CriterionScored']);
    expect(window.map((e) => e.recordedAt)).toEqual([at(3), at(4), at(5)]);
    expect(types(await history(id, `?from=${encodeURIComponent(at(6))}`))).toEqual(['BlockDecisionRecorded']);
    expect(types(await history(id, `?to=${encodeURIComponent('2025-03-02T11:00:00+01:00')}`))).toEqual(['CandidateRegistered', 'CandidateEnrolled']);
    expect(types(await history(id, `?type=CriterionScored&from=${encodeURIComponent(at(4))}`))).toEqual(['CriterionScored']);
  });

  it('?after=&limit= page through the history with nothing lost or repeated, while it grows', async () => {
    const id = await candidate();
    const pages: Array<Array<{ position: number; type: string }>> = [];
    let after = 0;
    for (let round = 0; round < 20; round++) {
      const page = await history(id, `?after=${after}&limit=4`);
      expect(page.length).toBeLessThanOrEqual(4);
      if (page.length === 0) break;
      pages.push(page);
      after = page[page.length - 1].position;
      // Written while the reader pages: events after the cursor come in later pages.
      if (round === 0) await store.append(candidateStream(id), [event('CriterionScoreCorrected', { candidateId: id, sessionId: world.sessionId, block: 'BC01', criterion: 'CE1.1', result: 'acquired', previousResult: 'acquired', correctionReason: 'check' }, at(7))], { expectedVersion: 'any' });
    }
    expect(pages.map((p) => p.length)).toEqual([4, 3]);
    const paged = pages.flat();
    const all = await history(id);
    expect(paged).toEqual(all);
    expect(new Set(paged.map((e) => e.position)).size).toBe(paged.length);
    expect(types(all).at(-1)).toBe('CriterionScoreCorrected');
    // A page cut inside the jury events and the file alike: the first entries in log order.
    expect(await history(id, '?limit=1')).toEqual(all.slice(0, 1));
    expect(await history(id, `?after=${all[2].position}&limit=2`)).toEqual(all.slice(3, 5));
    expect(await history(id, `?after=${all[all.length - 1].position}`)).toEqual([]);
  });

  it('refuses malformed filters and unknown query fields with 400 VALIDATION_FAILED', async () => {
    const id = await candidate();
    for (const query of [
      '?limit=0',
      '?limit=1001',
      '?limit=ten',
      '?after=-1',
      '?after=1.5',
      '?from=yesterday',
      '?from=2025-03-01',
      '?to=2025-03-01T10:00:00',
      '?type=Not-A-Type',
      '?type=A,,B',
      `?from=${encodeURIComponent(at(5))}&to=${encodeURIComponent(at(3))}`,
      '?page=2',
    ]) {
      const res = await t.http().get(`/v1/candidates/${id}/history${query}`).set(auth(admin));
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect(await history(id, '?limit=1000')).toHaveLength(6);
  });
});
