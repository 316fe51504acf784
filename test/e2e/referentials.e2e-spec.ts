import seed from '../../libs/domain/src/referential/seed/manager-marketing-commercial.referential.json';
import { startTestApp, TestApp } from '../support/app';

const UNKNOWN = '5b0f8a55-1c1e-4c7e-9a55-0d0bb0c0ffee';
const copy = (): any => JSON.parse(JSON.stringify(seed));

describe('referentials (HTTP)', () => {
  let t: TestApp;
  let admin: string;
  let assessor: string;
  let regulator: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = `Bearer ${await t.token('admin-1', ['admin'])}`;
    assessor = `Bearer ${await t.token('assessor-1', ['assessor'])}`;
    regulator = `Bearer ${await t.token('regulator-1', ['regulator'])}`;
  });
  afterAll(async () => t?.close());

  const draft = (body: unknown, headers: Record<string, string> = {}) => t.http().post('/v1/referentials').set({ authorization: admin, ...headers }).send(body as object);
  const eventsOf = async (id: string) =>
    (await t.app.get('DATABASE').pool.query('SELECT type, metadata FROM events WHERE stream_id = $1 ORDER BY version', [`referential-${id}`])).rows;

  describe('lifecycle', () => {
    let id: string;

    it('drafts the shipped referential: 201 with id, position, stream version and ETag', async () => {
      const res = await draft(seed).expect(201);
      expect(res.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), position: expect.any(Number), version: 1 });
      expect(res.headers.etag).toBe('"1"');
      id = res.body.id;
      const events = await eventsOf(id);
      expect(events.map((e: { type: string }) => e.type)).toEqual(['ReferentialDrafted']);
      expect(events[0].metadata.actor).toEqual({ id: 'admin-1', role: 'admin' });
    });

    it('answers the document with id, status draft, version 1 and streamVersion, to every role', async () => {
      const res = await t.http().get(`/v1/referentials/${id}`).set('authorization', regulator).expect(200);
      expect(res.body).toMatchObject({ ...seed, id, status: 'draft', version: 1, streamVersion: 1 });
      expect(res.body.blocks).toEqual(seed.blocks);
      for (const role of ['assessor', 'referent', 'jury'] as const) {
        await t.http().get(`/v1/referentials/${id}`).set('authorization', `Bearer ${await t.token(`${role}-2`, [role])}`).expect(200);
      }
    });

    it('refuses a publish body other than {}', async () => {
      const res = await t.http().post(`/v1/referentials/${id}/publish`).set('authorization', admin).send({ force: true }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.message).toContain('$.force');
    });

    it('refuses a publish whose If-Match does not match (412)', async () => {
      const res = await t.http().post(`/v1/referentials/${id}/publish`).set({ authorization: admin, 'if-match': '"7"' }).send({}).expect(412);
      expect(res.body.code).toBe('PRECONDITION_FAILED');
      expect((await eventsOf(id)).length).toBe(1);
    });

    it('publishes the draft (201), then refuses to publish it again (409)', async () => {
      const res = await t.http().post(`/v1/referentials/${id}/publish`).set({ authorization: admin, 'if-match': '"1"' }).send({}).expect(201);
      expect(res.body).toMatchObject({ id, version: 2 });
      expect(res.headers.etag).toBe('"2"');
      const again = await t.http().post(`/v1/referentials/${id}/publish`).set('authorization', admin).send({}).expect(409);
      expect(again.body).toMatchObject({ statusCode: 409, code: 'REFERENTIAL_ALREADY_PUBLISHED' });
      const view = await t.http().get(`/v1/referentials/${id}`).set('authorization', assessor).expect(200);
      expect(view.body).toMatchObject({ status: 'published', version: 1, streamVersion: 2 });
    });

    it('retires with a reason, then refuses to publish a retired version (422)', async () => {
      await t.http().post(`/v1/referentials/${id}/retire`).set('authorization', admin).send({}).expect(400);
      await t.http().post(`/v1/referentials/${id}/retire`).set('authorization', admin).send({ reason: 'superseded', extra: 1 }).expect(400);
      await t.http().post(`/v1/referentials/${id}/retire`).set('authorization', admin).send({ reason: 'superseded by version 2' }).expect(201);
      const res = await t.http().post(`/v1/referentials/${id}/publish`).set('authorization', admin).send({}).expect(422);
      expect(res.body).toMatchObject({ statusCode: 422, code: 'REFERENTIAL_RETIRED' });
      expect((await eventsOf(id)).map((e: { type: string }) => e.type)).toEqual(['ReferentialDrafted', 'ReferentialPublished', 'ReferentialRetired']);
    });

    it('numbers a new draft of the same certification code 2, and lists both', async () => {
      const second = await draft(seed).expect(201);
      const view = await t.http().get(`/v1/referentials/${second.body.id}`).set('authorization', admin).expect(200);
      expect(view.body).toMatchObject({ status: 'draft', version: 2, streamVersion: 1 });
      const list = await t.http().get('/v1/referentials').set('authorization', regulator).expect(200);
      expect(list.body).toEqual(
        expect.arrayContaining([
          { id, code: 'RNCP00000', title: seed.title, version: 1, status: 'retired' },
          { id: second.body.id, code: 'RNCP00000', title: seed.title, version: 2, status: 'draft' },
        ]),
      );
    });
  });

  describe('invalid documents: 400 VALIDATION_FAILED with the path of each fault', () => {
    it.each([
      ['a duplicate code', (d: any) => (d.blocks[1].competences[0].code = 'C1'), '$.blocks[1].competences[0].code', /duplicate code "C1"/],
      ['a criterion without core', (d: any) => delete d.blocks[2].competences[1].criteria[0].core, '$.blocks[2].competences[1].criteria[0].core', /is required/],
      ['a modality naming an unknown competence', (d: any) => d.blocks[0].modalities[0].competences.push('C99'), '$.blocks[0].modalities[0].competences[4]', /unknown competence "C99"/],
      ['an unknown field', (d: any) => (d.blocks[3].competences[0].weight = 2), '$.blocks[3].competences[0].weight', /unknown field/],
      ['an unknown validation rule', (d: any) => (d.validationRule = 'majority'), '$.validationRule', /unknown validation rule/],
      ['a block without competences', (d: any) => (d.blocks[1].competences = []), '$.blocks[1].competences', /at least one competence/],
    ])('refuses %s', async (_, mutate, path, message) => {
      const doc = copy();
      mutate(doc);
      const res = await draft(doc).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.message).toContain(path);
      expect(res.body.details).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
    });

    it('refuses a body that is not a document', async () => {
      const res = await draft([1, 2]).expect(400);
      expect(res.body.details).toEqual([{ path: '$', message: 'must be an object' }]);
    });

    it('refuses malformed JSON without a 500', async () => {
      const res = await t.http().post('/v1/referentials').set({ authorization: admin, 'content-type': 'application/json' }).send('{"code":').expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('access', () => {
    it('answers 401 without a token, on every route', async () => {
      await t.http().post('/v1/referentials').send(seed).expect(401);
      await t.http().post(`/v1/referentials/${UNKNOWN}/publish`).send({}).expect(401);
      await t.http().post(`/v1/referentials/${UNKNOWN}/retire`).send({ reason: 'x' }).expect(401);
      const res = await t.http().get('/v1/referentials').expect(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
      await t.http().get(`/v1/referentials/${UNKNOWN}`).expect(401);
    });

    it('answers 403 to roles other than admin on the commands', async () => {
      const res = await t.http().post('/v1/referentials').set('authorization', assessor).send(seed).expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
      await t.http().post(`/v1/referentials/${UNKNOWN}/publish`).set('authorization', regulator).send({}).expect(403);
      await t.http().post(`/v1/referentials/${UNKNOWN}/retire`).set('authorization', assessor).send({ reason: 'x' }).expect(403);
    });

    it('answers 404 for an unknown id, and for an id that is not a uuid', async () => {
      for (const target of [UNKNOWN, 'not-a-uuid', "1' OR '1'='1"]) {
        const path = encodeURIComponent(target);
        const res = await t.http().get(`/v1/referentials/${path}`).set('authorization', admin).expect(404);
        expect(res.body.code).toBe('NOT_FOUND');
        await t.http().post(`/v1/referentials/${path}/publish`).set('authorization', admin).send({}).expect(404);
        await t.http().post(`/v1/referentials/${path}/retire`).set('authorization', admin).send({ reason: 'x' }).expect(404);
      }
    });
  });

  describe('Idempotency-Key', () => {
    it('answers the first answer again for the same key and body, and writes nothing', async () => {
      const before = (await t.app.get('DATABASE').pool.query(`SELECT count(*)::int AS n FROM events`)).rows[0].n;
      const first = await draft(seed, { 'idempotency-key': 'draft-seed-1' }).expect(201);
      const again = await draft(seed, { 'idempotency-key': 'draft-seed-1' }).expect(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.etag).toBe(first.headers.etag);
      const after = (await t.app.get('DATABASE').pool.query(`SELECT count(*)::int AS n FROM events`)).rows[0].n;
      expect(after - before).toBe(1);
    });

    it('refuses the same key with another body (409 IDEMPOTENCY_KEY_REUSED)', async () => {
      const other = copy();
      other.title = 'Manager marketing et commercial (v2)';
      const res = await draft(other, { 'idempotency-key': 'draft-seed-1' }).expect(409);
      expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    });
  });
});
