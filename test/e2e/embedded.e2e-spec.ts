import { startTestApp, TestApp } from '../support/app';

/** The embedded default (no DATABASE_URL): the whole API on PGlite, as `npm start` runs it. */
describe('the API on the embedded database', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ embedded: true })), 120_000);
  afterAll(async () => t?.close());

  it('answers /health and takes a command', async () => {
    const health = await t.http().get('/health').expect(200);
    expect(health.body.database.kind).toBe('embedded');
    const admin = await t.token('admin-1', ['admin']);
    const res = await t.http().post('/v1/referentials').set('Authorization', `Bearer ${admin}`).send({
      code: 'RNCP00001', title: 'T', certifier: 'C', validationRule: 'all-criteria',
      blocks: [{ code: 'BC01', title: 'B', competences: [{ code: 'C1', title: 'c', criteria: [{ code: 'CE1.1', text: 't', core: true }] }] }],
    });
    expect(res.status).toBe(201);
    const read = await t.http().get(`/v1/referentials/${res.body.id}`).set('Authorization', `Bearer ${admin}`).expect(200);
    expect(read.body.status).toBe('draft');
  });
});
