import { DataSource } from 'typeorm';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { CANDIDATE_SEARCH } from '@app/projections/candidate-search/candidate-search.projection';
import { startTestApp, TestApp } from '../support/app';
import { SEED_REFERENTIAL } from '../support/scenario';

/**
 * GET /v1/candidates: the back office finds candidates by exact identity
 * fields, ignoring case and accents, through the blind index read model.
 */
describe('GET /v1/candidates (search by identity)', () => {
  let t: TestApp;
  let admin: string;
  let referent: string;
  let last = 0;
  const ids: Record<string, string> = {};
  let sessionA: string;
  let sessionB: string;

  const get = (path: string, token = admin) => t.http().get(path).set('Authorization', `Bearer ${token}`).set('X-Min-Position', String(last));
  const post = async (path: string, body: object) => {
    const res = await t.http().post(path).set('Authorization', `Bearer ${admin}`).send(body);
    expect({ path, status: res.status, body: res.status === 201 ? undefined : res.body }).toEqual({ path, status: 201, body: undefined });
    last = Math.max(last, res.body.position ?? 0);
    return res.body;
  };
  const register = async (key: string, identity: Record<string, string>) => {
    ids[key] = (await post('/v1/candidates', { ...identity, accessRoute: 'continuing-education' })).id;
  };
  const names = (body: any) => body.items.map((i: any) => `${i.identity.givenName} ${i.identity.familyName}`).sort();
  const dump = async () =>
    t.app.get(DataSource).query(`SELECT candidate_id, key_id, family_name, given_name, birth_date, email, identity, sessions FROM candidate_search ORDER BY candidate_id`);

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.token('admin-1', ['admin']);
    referent = await t.token('referent-1', ['referent']);
    const referentialId = (await post('/v1/referentials', SEED_REFERENTIAL)).id;
    await post(`/v1/referentials/${referentialId}/publish`, {});
    sessionA = (await post('/v1/sessions', { referentialId, title: 'Session A', startsOn: '2026-06-01', endsOn: '2026-06-30' })).id;
    sessionB = (await post('/v1/sessions', { referentialId, title: 'Session B', startsOn: '2026-09-01', endsOn: '2026-09-30' })).id;
    await register('elodie', { givenName: 'Élodie', familyName: 'Martin', birthDate: '1990-04-12', email: 'elodie.martin@example.org' });
    await register('elodie2', { givenName: 'Elodie', familyName: '  MARTIN ', birthDate: '1985-01-30', email: 'e.martin@example.org' });
    await register('paul', { givenName: 'Paul', familyName: 'Martin', birthDate: '1990-04-12', email: 'paul.martin@example.org' });
    await register('lea', { givenName: 'Léa', familyName: 'Martinez', birthDate: '1990-04-12', email: 'lea@example.org' });
    await post(`/v1/candidates/${ids.elodie}/enrolments`, { sessionId: sessionB, blocks: ['BC01'] });
    await post(`/v1/candidates/${ids.elodie}/enrolments`, { sessionId: sessionA, blocks: ['BC01', 'BC02'] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('finds "Élodie Martin" by familyName=martin and givenName=ELODIE, exact fields ignoring case, accents and spaces', async () => {
    const byFamily = await get('/v1/candidates?familyName=martin');
    expect(byFamily.status).toBe(200);
    expect(names(byFamily.body)).toEqual(['Elodie MARTIN', 'Paul Martin', 'Élodie Martin'].sort());
    // Exact, not a prefix: Martinez is not a Martin.
    expect(names(byFamily.body)).not.toContain('Léa Martinez');

    const byGiven = await get('/v1/candidates?givenName=ELODIE');
    expect(names(byGiven.body)).toEqual(['Elodie MARTIN', 'Élodie Martin'].sort());

    const both = await get(`/v1/candidates?familyName=${encodeURIComponent('MARTÍN')}&givenName=${encodeURIComponent(' élodie ')}&birthDate=1990-04-12`);
    expect(both.status).toBe(200);
    expect(both.body.next).toBeNull();
    expect(both.body.items).toEqual([
      {
        candidateId: ids.elodie,
        identity: expect.objectContaining({ status: 'identified', givenName: 'Élodie', familyName: 'Martin', birthDate: '1990-04-12', email: 'elodie.martin@example.org' }),
        certified: false,
        sessions: [sessionA, sessionB].sort(),
      },
    ]);

    const byEmail = await get('/v1/candidates?email=PAUL.MARTIN@example.org');
    expect(byEmail.body.items.map((i: any) => i.candidateId)).toEqual([ids.paul]);
    // A value of one field never matches another field.
    expect((await get('/v1/candidates?givenName=martin')).body.items).toEqual([]);
    expect((await get('/v1/candidates?familyName=martin&givenName=paul&birthDate=1985-01-30')).body.items).toEqual([]);
  });

  it('is for admins and referents only; assessors, jury members and regulators get 403', async () => {
    expect((await get('/v1/candidates?familyName=martin', referent)).status).toBe(200);
    for (const role of ['assessor', 'jury', 'regulator'] as const) {
      const res = await get('/v1/candidates?familyName=martin', await t.token(`${role}-1`, [role]));
      expect({ role, status: res.status }).toEqual({ role, status: 403 });
    }
  });

  it('refuses a search without any field, an unknown query field, a blank value and a bad limit (400)', async () => {
    for (const path of ['/v1/candidates', '/v1/candidates?limit=5', '/v1/candidates?name=martin', '/v1/candidates?familyName=martin&city=Paris', '/v1/candidates?familyName=%20%20', '/v1/candidates?familyName=martin&limit=201']) {
      const res = await get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
    }
  });

  it('pages in a stable order: every match once across pages, the cursor of the last page is null', async () => {
    for (let i = 0; i < 5; i++) await register(`page${i}`, { givenName: `Page${i}`, familyName: 'Paginé', birthDate: '2000-01-01', email: `page${i}@example.org` });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/v1/candidates?familyName=pagine&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((i: any) => i.candidateId));
      cursor = res.body.next;
      pages++;
      // A candidate registered meanwhile with the same name is neither lost nor repeated.
      if (pages === 1) await register('late', { givenName: 'Tard', familyName: 'Pagine', birthDate: '2000-01-01', email: 'late@example.org' });
    } while (cursor);
    const expected = ['page0', 'page1', 'page2', 'page3', 'page4'].map((k) => ids[k]);
    for (const id of expected) expect(seen.filter((s) => s === id)).toHaveLength(1);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort());
    expect(pages).toBe(Math.ceil(seen.length / 2));
    expect((await get('/v1/candidates?familyName=pagine&cursor=not-a-cursor!')).status).toBe(400);
  });

  it('rebuilds to an identical index', async () => {
    const before = await dump();
    expect(before.length).toBeGreaterThanOrEqual(4);
    // The index holds HMACs, never the names.
    expect(JSON.stringify(before)).not.toMatch(/martin/i);
    await t.app.get(ProjectionRuntime).rebuild(CANDIDATE_SEARCH);
    expect(await dump()).toEqual(before);
  });

  it('no longer finds a candidate once erased, and a rebuild after the erasure does not bring them back', async () => {
    const erased = await t.http().post(`/v1/candidates/${ids.elodie}/erasure`).set('Authorization', `Bearer ${admin}`).send({ reason: 'data subject request, ticket GDPR-1', overrideRetention: true });
    expect(erased.status).toBe(201);
    last = erased.body.position;
    const after = await get('/v1/candidates?givenName=elodie');
    expect(after.body.items.map((i: any) => i.candidateId)).toEqual([ids.elodie2]);
    await t.app.get(ProjectionRuntime).rebuild(CANDIDATE_SEARCH);
    expect((await get('/v1/candidates?givenName=elodie')).body.items.map((i: any) => i.candidateId)).toEqual([ids.elodie2]);
    expect((await dump()).map((r: any) => r.candidate_id)).not.toContain(ids.elodie);
  });
});
