import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, TestApp } from '../support/app';
import { collectBuffer, pdfText } from '../support/pdf';

/**
 * The HTTP contract read from the outside, one `it` per rule of API.md and
 * DOMAIN.md that the production mode, "who sees what", sealed free texts,
 * hostile bodies, the jury's close (award, withdrawal) and the CDC flux touch.
 * Every fact is set up and read over HTTP only.
 */
const run = promisify(execFile);
const ROOT = join(__dirname, '../..');

const doc = {
  code: 'RNCP77777',
  title: 'Manager marketing et commercial',
  certifier: 'CDE FEDE FRANCE',
  validationRule: 'all-criteria',
  blocks: [
    {
      code: 'BC01',
      title: 'Stratégie',
      competences: [
        {
          code: 'C1',
          title: 'Analyser',
          criteria: [
            { code: 'CE1.1', text: 'Analyse', core: true },
            { code: 'CE1.2', text: 'Oral', core: false },
            { code: 'CE1.3', text: 'Synthèse', core: false },
          ],
        },
      ],
    },
    { code: 'BC02', title: 'Pilotage', competences: [{ code: 'C2', title: 'Piloter', criteria: [{ code: 'CE2.1', text: 'Tableau', core: true }] }] },
  ],
};

describe('HTTP contract (API.md, DOMAIN.md)', () => {
  let t: TestApp;
  const tok: Record<string, string> = {};
  let last = 0;
  let ref: string;
  let session: string;
  let otherSession: string;
  let A: string; // BC01 + BC02 all acquired: certified at the close, then withdrawn by a revision
  let B: string; // BC01, accommodation + neutralisation of CE1.2
  let C: string; // other session
  let D: string; // BC01 deferred then validated; erased at the end
  let V: string; // VAE, born abroad, three given names: certified
  let W: string; // BC01 validated in the March session (capitalised), BC02 in June: certified at the June close
  let jury: string;
  let opinionB: string;
  let sealHash: string;

  const track = <R extends { status: number; body: any }>(res: R): R => {
    if (res.status === 201 && typeof res.body?.position === 'number') last = Math.max(last, res.body.position);
    return res;
  };
  const post = async (path: string, who: string, body: object = {}, headers: Record<string, string> = {}) => {
    const req = t.http().post(path).set('authorization', tok[who]);
    for (const [k, v] of Object.entries(headers)) req.set(k, v);
    return track(await req.send(body));
  };
  const ok = async (path: string, who: string, body: object = {}) => {
    const res = await post(path, who, body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const get = (path: string, who: string) => t.http().get(path).set('authorization', tok[who]).set('x-min-position', String(last));
  const expectError = (res: { status: number; body: any }, status: number, code: string) => {
    expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
    // API.md fixes statusCode, code and message; more fields (details) are allowed.
    expect(res.body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
  };
  const raw = (path: string, who: string, text: string) => t.http().post(path).set('authorization', tok[who]).set('content-type', 'application/json').send(text);

  beforeAll(async () => {
    t = await startTestApp({ env: { CDC_EMITTER_ID: 'EMT00001', CDC_CONTRACT_ID: 'MCFCER000042', CDC_CERTIFIER_ID: 'CER00001' } });
    const users: Array<[string, string[]]> = [
      ['admin', ['admin']],
      ['referent', ['referent']],
      ['ass', ['assessor']],
      ['ass2', ['assessor']],
      ['pres', ['jury']],
      ['mem', ['jury']],
      ['outsider', ['jury']],
      ['pres2', ['jury']],
      ['root', ['admin', 'assessor', 'referent', 'jury', 'regulator']],
      ['reg', ['regulator']],
    ];
    for (const [sub, roles] of users) tok[sub] = `Bearer ${await t.token(sub, roles as never, `User ${sub}`)}`;
    ref = (await ok('/v1/referentials', 'admin', doc)).id;
    await ok(`/v1/referentials/${ref}/publish`, 'admin');
    session = (await ok('/v1/sessions', 'admin', { referentialId: ref, title: 'Session de juin', startsOn: '2026-06-01', endsOn: '2026-06-30' })).id;
    otherSession = (await ok('/v1/sessions', 'admin', { referentialId: ref, title: 'Session de mars', startsOn: '2026-03-01', endsOn: '2026-03-31' })).id;
    await ok(`/v1/sessions/${session}/assessors`, 'admin', { userId: 'ass' });
    await ok(`/v1/sessions/${otherSession}/assessors`, 'admin', { userId: 'ass2' });
    const register = (given: string, family: string, extra: object = {}) =>
      ok('/v1/candidates', 'admin', { givenName: given, familyName: family, birthDate: '1991-05-17', email: `${given.toLowerCase().replace(/\W/g, "")}@example.org`, accessRoute: 'continuing-education', ...extra });
    A = (await register('Alice Marie', 'Durand', { usageName: 'Lefèvre', sex: 'F', birthPlaceCode: '69123', birthCountryCode: 'FR' })).id;
    B = (await register('Bruno', 'Martin')).id;
    C = (await register('Chloé', 'Bernard')).id;
    D = (await register('David', 'Petit')).id;
    V = (await register('Ana Maria Sofia', 'Silva', { accessRoute: 'vae', sex: 'F', birthPlaceCode: '99139', birthCountryCode: 'PT' })).id;
    await ok(`/v1/candidates/${V}/enrolments`, 'admin', { sessionId: session, blocks: ['BC01', 'BC02'] });
    await ok(`/v1/candidates/${A}/enrolments`, 'admin', { sessionId: session, blocks: ['BC01', 'BC02'] });
    await ok(`/v1/candidates/${B}/enrolments`, 'admin', { sessionId: session, blocks: ['BC01'] });
    await ok(`/v1/candidates/${C}/enrolments`, 'admin', { sessionId: otherSession, blocks: ['BC01'] });
    await ok(`/v1/candidates/${D}/enrolments`, 'admin', { sessionId: session, blocks: ['BC01'] });
    const score = (id: string, criterion: string, result = 'acquired', comment?: string) =>
      ok(`/v1/candidates/${id}/scores`, 'ass', { sessionId: session, criterion, result, ...(comment ? { comment } : {}) });
    for (const c of ['CE1.1', 'CE1.2', 'CE1.3', 'CE2.1']) await score(A, c);
    for (const c of ['CE1.1', 'CE1.2', 'CE1.3', 'CE2.1']) await score(V, c);
    await score(B, 'CE1.1');
    await score(B, 'CE1.3');
    await score(D, 'CE1.1', 'acquired', 'Le candidat évoque son traitement médical');
    await score(D, 'CE1.2');
    await score(D, 'CE1.3');
    const requestId = (await ok(`/v1/candidates/${B}/accommodations`, 'admin', { accommodations: [{ type: 'extra-time', extraTimePercent: 33 }], justification: 'Dyslexie sévère' })).requestId;
    await ok(`/v1/candidates/${B}/accommodations/${requestId}/opinion`, 'referent', { favourable: true, motivation: 'Trouble attesté par le médecin' });
    await ok(`/v1/candidates/${B}/accommodations/${requestId}/decision`, 'admin', { granted: true, reason: 'Avis favorable' });
    opinionB = (await ok(`/v1/candidates/${B}/neutralisation-opinions`, 'referent', { criteria: ['CE1.2', 'CE1.1'], motivation: "L'oral est rendu impossible par le trouble" })).opinionId;
    jury = (
      await ok('/v1/juries', 'admin', {
        sessionId: session,
        members: [
          { userId: 'pres', name: 'Paule Présidente', president: true, professional: false },
          { userId: 'mem', name: 'Pierre Pro', president: false, professional: true },
        ],
      })
    ).id;
    await ok(`/v1/juries/${jury}/open`, 'pres');

    W = (await register('Willy', 'Wagner', { sex: 'M', birthPlaceCode: '75056' })).id;
    await ok(`/v1/candidates/${W}/enrolments`, 'admin', { sessionId: otherSession, blocks: ['BC01'] });
    for (const c of ['CE1.1', 'CE1.2', 'CE1.3']) await ok(`/v1/candidates/${W}/scores`, 'ass2', { sessionId: otherSession, criterion: c, result: 'acquired' });
    const march = (await ok('/v1/juries', 'admin', { sessionId: otherSession, members: [{ userId: 'pres2', name: 'Marc Mars', president: true, professional: true }] })).id;
    await ok(`/v1/juries/${march}/open`, 'pres2');
    await ok(`/v1/juries/${march}/decisions`, 'pres2', { candidateId: W, block: 'BC01', decision: 'validated' });
    await ok(`/v1/juries/${march}/close`, 'pres2');
    await ok(`/v1/candidates/${W}/enrolments`, 'admin', { sessionId: session, blocks: ['BC02'] });
    await score(W, 'CE2.1');
  });
  afterAll(async () => t?.close());

  describe('hostile bodies: 400 VALIDATION_FAILED on every route, never a 500', () => {
    const rid = randomUUID();
    const routes = () => [
      '/v1/referentials',
      `/v1/referentials/${ref}/publish`,
      '/v1/sessions',
      `/v1/sessions/${session}/assessors`,
      '/v1/candidates',
      `/v1/candidates/${A}/enrolments`,
      `/v1/candidates/${A}/accommodations`,
      `/v1/candidates/${A}/accommodations/${rid}/opinion`,
      `/v1/candidates/${A}/accommodations/${rid}/decision`,
      `/v1/candidates/${A}/scores`,
      `/v1/candidates/${B}/neutralisation-opinions`,
      '/v1/juries',
      `/v1/juries/${jury}/open`,
      `/v1/juries/${jury}/neutralisations`,
      `/v1/juries/${jury}/decisions`,
      `/v1/juries/${jury}/close`,
      `/v1/candidates/${A}/erasure`,
    ];
    // A user holding every role: the body is refused before any rule is looked at.
    const who = (_path: string) => 'root';
    it('malformed JSON', async () => {
      for (const p of routes()) expectError(await raw(p, who(p), '{"a": 1,,}'), 400, 'VALIDATION_FAILED');
    });
    it('truncated JSON', async () => {
      for (const p of routes()) expectError(await raw(p, who(p), '{"sessionId": "abc'), 400, 'VALIDATION_FAILED');
    });
    it('nesting past a fixed depth', async () => {
      const deep = '{"x":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
      for (const p of routes()) expectError(await raw(p, who(p), deep), 400, 'VALIDATION_FAILED');
    });
    it('lone surrogates (invalid Unicode)', async () => {
      for (const p of routes()) expectError(await raw(p, who(p), '{"givenName": "\\ud800x", "motivation": "\\udc00"}'), 400, 'VALIDATION_FAILED');
      const body = JSON.stringify({ givenName: 'Zoé', familyName: 'Test', birthDate: '1990-01-01', email: 'z@example.org', accessRoute: 'vae', usageName: 'A\\ud83d' }).replace('A\\\\ud83d', 'A\\ud83d');
      expectError(await raw('/v1/candidates', 'admin', body), 400, 'VALIDATION_FAILED');
      // Nested, and as raw bytes that are not UTF-8 (an encoded surrogate, an overlong form).
      expectError(await raw('/v1/juries', 'admin', JSON.stringify({ sessionId: session, members: [{ userId: 'x', name: 'N', president: true, professional: true }] }).replace('"N"', '"N\\udfff"')), 400, 'VALIDATION_FAILED');
      for (const bytes of [[0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xff]]) {
        const payload = Buffer.concat([Buffer.from('{"givenName":"A'), Buffer.from(bytes), Buffer.from('","familyName":"B","birthDate":"1990-01-01","email":"ab@example.org","accessRoute":"vae"}')]);
        expectError(await t.http().post('/v1/candidates').set('authorization', tok.admin).set('content-type', 'application/json').send(payload), 400, 'VALIDATION_FAILED');
      }
    });
    it('unknown field and wrong type', async () => {
      expectError(await post('/v1/candidates', 'admin', { givenName: 'X', familyName: 'Y', birthDate: '1990-01-01', email: 'x@example.org', accessRoute: 'vae', extra: 1 }), 400, 'VALIDATION_FAILED');
      expectError(await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: A, block: 'BC01', decision: 42 }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('authentication', () => {
    it('401 UNAUTHENTICATED without a token or with a bad one', async () => {
      expectError(await t.http().get(`/v1/candidates/${A}/progress`), 401, 'UNAUTHENTICATED');
      expectError(await t.http().get(`/v1/candidates/${A}/progress`).set('authorization', 'Bearer not.a.jwt'), 401, 'UNAUTHENTICATED');
      expectError(await t.http().post('/v1/candidates').send({}), 401, 'UNAUTHENTICATED');
    });
  });

  describe('referential document', () => {
    it('400 with the path of the fault: duplicate code, criterion without core, modality naming an unknown competence', async () => {
      const dup = structuredClone(doc);
      dup.blocks[1].competences[0].criteria[0].code = 'CE1.1';
      const noCore: any = structuredClone(doc);
      delete noCore.blocks[0].competences[0].criteria[1].core;
      const badModality: any = structuredClone(doc);
      badModality.blocks[0].modalities = [{ code: 'M1', title: 'Étude de cas', work: 'individual', production: ['written'], competences: ['C1', 'C9'] }];
      for (const body of [dup, noCore, badModality]) {
        const res = await post('/v1/referentials', 'admin', body);
        expectError(res, 400, 'VALIDATION_FAILED');
        expect(JSON.stringify(res.body)).toMatch(/blocks\[?\.?[01]/);
      }
    });
    it('GET /v1/referentials/{id} answers every role, with its status', async () => {
      for (const who of ['admin', 'referent', 'ass', 'pres', 'reg']) expect((await get(`/v1/referentials/${ref}`, who).expect(200)).body).toMatchObject({ status: 'published' });
    });
  });

  describe('registration', () => {
    it('takes usageName, sex, birthPlaceCode and birthCountryCode and shows them back', async () => {
      const res = await get(`/v1/candidates/${A}`, 'admin').expect(200);
      expect(JSON.stringify(res.body)).toContain('Lefèvre');
      expect(JSON.stringify(res.body)).toContain('69123');
      const abroad = await post('/v1/candidates', 'admin', { givenName: 'Ana', familyName: 'Silva', birthDate: '1990-01-01', email: 'ana@example.org', accessRoute: 'vae', sex: 'F', birthPlaceCode: '99139', birthCountryCode: 'PT' });
      expect(abroad.status).toBe(201);
      expectError(await post('/v1/candidates', 'admin', { givenName: 'X', familyName: 'Y', birthDate: '1990-01-01', email: 'x@example.org', accessRoute: 'vae', birthPlaceCode: 'Lyon' }), 400, 'VALIDATION_FAILED');
      expectError(await post('/v1/candidates', 'admin', { givenName: 'X', familyName: 'Y', birthDate: '1990-01-01', email: 'x@example.org', accessRoute: 'vae', sex: 'X' }), 400, 'VALIDATION_FAILED');
      expectError(await post('/v1/candidates', 'admin', { givenName: 'X', familyName: 'Y', birthDate: '1990-01-01', email: 'x@example.org', accessRoute: 'vae', usageName: 42 }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('commands: ETag, If-Match, Idempotency-Key', () => {
    it('answers 201 { id, position, version } with a quoted ETag', async () => {
      const res = await post(`/v1/candidates/${C}/scores`, 'ass2', { sessionId: otherSession, criterion: 'CE1.1', result: 'acquired' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id: C, position: expect.any(Number), version: expect.any(Number) });
      expect(res.headers.etag).toBe(`"${res.body.version}"`);
    });
    it('If-Match quoted or not: matches, or 412 PRECONDITION_FAILED', async () => {
      const version = (await post(`/v1/candidates/${C}/scores`, 'ass2', { sessionId: otherSession, criterion: 'CE1.2', result: 'acquired' })).body.version;
      expectError(await post(`/v1/candidates/${C}/scores`, 'ass2', { sessionId: otherSession, criterion: 'CE1.3', result: 'acquired' }, { 'if-match': `"${version - 1}"` }), 412, 'PRECONDITION_FAILED');
      expectError(await post(`/v1/candidates/${C}/scores`, 'ass2', { sessionId: otherSession, criterion: 'CE1.3', result: 'acquired' }, { 'if-match': String(version - 1) }), 412, 'PRECONDITION_FAILED');
      const quoted = await post(`/v1/candidates/${C}/scores`, 'ass2', { sessionId: otherSession, criterion: 'CE1.3', result: 'acquired' }, { 'if-match': `"${version}"` });
      expect(quoted.status).toBe(201);
      const bare = await post(`/v1/candidates/${C}/scores`, 'ass2', { sessionId: otherSession, criterion: 'CE1.3', result: 'not-acquired', correctionReason: 'erreur de saisie' }, { 'if-match': String(quoted.body.version) });
      expect(bare.status).toBe(201);
    });
    it('Idempotency-Key: same body → same answer, nothing written; other body → 409 IDEMPOTENCY_KEY_REUSED', async () => {
      const key = randomUUID();
      const body = { givenName: 'Idem', familyName: 'Potent', birthDate: '1990-01-01', email: 'idem@example.org', accessRoute: 'vae' };
      const first = await post('/v1/candidates', 'admin', body, { 'idempotency-key': key });
      const again = await post('/v1/candidates', 'admin', body, { 'idempotency-key': key });
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.etag).toBe(first.headers.etag);
      // Nothing written by the replay: the log holds one registration of that candidate.
      const log = (await get(`/v1/audit/events?after=${first.body.position - 1}&limit=1000`, 'admin').expect(200)).body;
      expect(log.filter((e: any) => e.event.type === 'CandidateRegistered' && e.event.data.candidateId === first.body.id)).toHaveLength(1);
      expect(log.filter((e: any) => e.event.type === 'CandidateRegistered')).toHaveLength(1);
      expectError(await post('/v1/candidates', 'admin', { ...body, givenName: 'Autre' }, { 'idempotency-key': key }), 409, 'IDEMPOTENCY_KEY_REUSED');
    });
  });

  describe('X-Min-Position', () => {
    it('waits for the position, and answers 503 when the read model cannot reach it', async () => {
      const res = await post(`/v1/candidates/${C}/scores`, 'ass2', { sessionId: otherSession, criterion: 'CE1.2', result: 'not-acquired', correctionReason: 'relecture' });
      const progress = await t.http().get(`/v1/candidates/${C}/progress`).set('authorization', tok.admin).set('x-min-position', String(res.body.position)).expect(200);
      expect(progress.body.blocks[0]).toMatchObject({ code: 'BC01', proposal: 'not-acquired' });
      const far = await t.http().get(`/v1/candidates/${C}/progress`).set('authorization', tok.admin).set('x-min-position', String(res.body.position + 1_000_000));
      expect(far.status).toBe(503);
      expectError(await t.http().get(`/v1/candidates/${C}/progress`).set('authorization', tok.admin).set('x-min-position', 'soon'), 400, 'VALIDATION_FAILED');
    }, 15_000);
  });

  describe('who sees what', () => {
    it('assessor: only candidates of sessions they are assigned to (403 otherwise), for reads and scores', async () => {
      await get(`/v1/candidates/${A}/progress`, 'ass').expect(200);
      expectError(await get(`/v1/candidates/${C}/progress`, 'ass'), 403, 'FORBIDDEN');
      expectError(await post(`/v1/candidates/${C}/scores`, 'ass', { sessionId: otherSession, criterion: 'CE1.1', result: 'acquired' }), 403, 'FORBIDDEN');
    });
    it('jury: only candidates enrolled in the session of a jury they belong to', async () => {
      await get(`/v1/candidates/${A}/progress`, 'mem').expect(200);
      expectError(await get(`/v1/candidates/${C}/progress`, 'mem'), 403, 'FORBIDDEN');
      expectError(await get(`/v1/candidates/${A}/progress`, 'outsider'), 403, 'FORBIDDEN');
      expectError(await get(`/v1/juries/${jury}/record`, 'outsider'), 403, 'FORBIDDEN');
      expectError(await get(`/v1/candidates/${A}/history`, 'outsider'), 403, 'FORBIDDEN');
    });
    it('roles outside a query table → 403 (referent on progress, assessor on history and record)', async () => {
      expectError(await get(`/v1/candidates/${A}/progress`, 'referent'), 403, 'FORBIDDEN');
      expectError(await get(`/v1/candidates/${A}/history`, 'ass'), 403, 'FORBIDDEN');
      expectError(await get(`/v1/candidates/${A}/history`, 'referent'), 403, 'FORBIDDEN');
      expectError(await get(`/v1/juries/${jury}/record`, 'referent'), 403, 'FORBIDDEN');
      expectError(await get(`/v1/juries/${jury}/record`, 'ass'), 403, 'FORBIDDEN');
      for (const who of ['pres', 'ass', 'referent']) {
        expectError(await get('/v1/audit/events?after=0&limit=5', who), 403, 'FORBIDDEN');
        expectError(await get('/v1/audit/export', who), 403, 'FORBIDDEN');
      }
      expectError(await get(`/v1/juries/${jury}/record.pdf`, 'ass'), 403, 'FORBIDDEN');
      expectError(await get(`/v1/juries/${jury}/record.pdf`, 'outsider'), 403, 'FORBIDDEN');
      expectError(await get(`/v1/candidates/${A}/credentials`, 'outsider'), 403, 'FORBIDDEN');
      expectError(await get(`/v1/candidates/${C}/credentials`, 'ass'), 403, 'FORBIDDEN');
      expectError(await get(`/v1/candidates/${C}`, 'mem'), 403, 'FORBIDDEN');
    });
    it('admin and referent read health texts in clear', async () => {
      for (const who of ['admin']) {
        const history = JSON.stringify((await get(`/v1/candidates/${B}/history`, who).expect(200)).body);
        expect(history).toContain('Dyslexie sévère');
        expect(history).toContain('Trouble attesté par le médecin');
      }
      const file = JSON.stringify((await get(`/v1/candidates/${B}`, 'referent').expect(200)).body);
      expect(file).toContain('Bruno');
    });
    it('jury: identity in clear, no health text (that a favourable opinion was given, by whom and when)', async () => {
      const history = JSON.stringify((await get(`/v1/candidates/${B}/history`, 'mem').expect(200)).body);
      expect(history).not.toContain('Dyslexie');
      expect(history).not.toContain('Trouble attesté');
      expect(history).not.toContain("L'oral est rendu impossible");
      const record = JSON.stringify((await get(`/v1/juries/${jury}/record`, 'mem').expect(200)).body);
      expect(record).toContain('Bruno');
      expect(record).not.toContain('Dyslexie');
      expect(record).not.toContain("L'oral est rendu");
      const opinion = (await get(`/v1/candidates/${B}/history`, 'mem').expect(200)).body.find((e: any) => e.type === 'ReferentOpinionGiven');
      expect(opinion).toMatchObject({ recordedAt: expect.any(String), actor: { id: 'referent', role: 'referent' }, data: expect.objectContaining({ favourable: true }) });
    });
    it('assessor: identity in clear, accommodations applied only', async () => {
      const progress = JSON.stringify((await get(`/v1/candidates/${B}/progress`, 'ass').expect(200)).body);
      expect(progress).not.toContain('Dyslexie');
      const file = JSON.stringify((await get(`/v1/candidates/${B}`, 'ass').expect(200)).body);
      expect(file).toContain('Bruno');
      expect(file).not.toContain('Dyslexie');
      expect(file).not.toContain('Trouble attesté');
      expect(file).not.toContain("L'oral est rendu");
    });
    it('regulator: pseudonym only, everywhere, no health text', async () => {
      for (const path of [`/v1/candidates/${A}/history`, `/v1/candidates/${B}/history`, `/v1/juries/${jury}/record`, `/v1/candidates/${A}`, `/v1/candidates/${B}`, `/v1/candidates/${A}/progress`]) {
        const text = JSON.stringify((await get(path, 'reg').expect(200)).body);
        for (const secret of ['Alice', 'Durand', 'Lefèvre', 'Bruno', 'Martin', 'alice marie@example.org', '1991-05-17', 'Dyslexie', 'Trouble attesté', "L'oral est rendu"]) expect(text).not.toContain(secret);
      }
      const pdf = await get(`/v1/juries/${jury}/record.pdf`, 'reg')
        .buffer(true)
        .parse(collectBuffer)
        .expect(200);
      expect(pdf.headers['content-type']).toMatch(/^application\/pdf/);
      const text = await pdfText(pdf.body as Buffer);
      expect(text).toMatch(/C-[0-9A-F]{16}/);
      for (const secret of ['Alice', 'Durand', 'Bruno', 'Martin', 'Dyslexie', "L'oral est rendu"]) expect(text).not.toContain(secret);
    });
    it('the record lists every candidate enrolled for the blocks, undecided ones included (JSON and PDF)', async () => {
      const record = (await get(`/v1/juries/${jury}/record`, 'admin').expect(200)).body;
      const json = JSON.stringify(record);
      for (const id of [A, B, D, V]) expect(json).toContain(id);
      expect(json).not.toContain(C);
      const pdf = await get(`/v1/juries/${jury}/record.pdf`, 'admin')
        .buffer(true)
        .parse(collectBuffer)
        .expect(200);
      const text = await pdfText(pdf.body as Buffer);
      for (const name of ['Durand', 'Martin', 'Petit', 'Silva']) expect(text).toContain(name);
      expect(text).not.toContain('Bernard');
    });
  });

  describe('deliberation rules', () => {
    it('422 CRITERION_NOT_IN_ENROLMENT: scoring a criterion outside the enrolled blocks', async () => {
      expectError(await post(`/v1/candidates/${B}/scores`, 'ass', { sessionId: session, criterion: 'CE2.1', result: 'acquired' }), 422, 'CRITERION_NOT_IN_ENROLMENT');
    });
    it('a second score of the same criterion needs correctionReason, and writes CriterionScoreCorrected', async () => {
      const again = await post(`/v1/candidates/${B}/scores`, 'ass', { sessionId: session, criterion: 'CE1.3', result: 'acquired' });
      expect([400, 409, 422]).toContain(again.status);
      const corrected = await post(`/v1/candidates/${B}/scores`, 'ass', { sessionId: session, criterion: 'CE1.3', result: 'acquired', correctionReason: 'double saisie' });
      expect(corrected.status).toBe(201);
      const history: any[] = (await get(`/v1/candidates/${B}/history`, 'admin').expect(200)).body;
      expect(history.at(-1)).toMatchObject({ type: 'CriterionScoreCorrected', actor: { id: 'ass', role: 'assessor' }, position: corrected.body.position, recordedAt: expect.any(String), data: expect.any(Object) });
      expect(Object.keys(history.at(-1)).sort()).toEqual(['actor', 'data', 'position', 'recordedAt', 'type']);
    });
    it('422 CRITERION_IS_CORE: neutralising a core criterion', async () => {
      expectError(await post(`/v1/juries/${jury}/neutralisations`, 'pres', { candidateId: B, criterion: 'CE1.1', opinionId: opinionB }), 422, 'CRITERION_IS_CORE');
    });
    it('422 NO_REFERENT_OPINION: an opinion that does not name the criterion, or names another candidate', async () => {
      expectError(await post(`/v1/juries/${jury}/neutralisations`, 'pres', { candidateId: B, criterion: 'CE1.3', opinionId: opinionB }), 422, 'NO_REFERENT_OPINION');
      expectError(await post(`/v1/juries/${jury}/neutralisations`, 'pres', { candidateId: D, criterion: 'CE1.2', opinionId: opinionB }), 422, 'NO_REFERENT_OPINION');
    });
    it('403: a non-member on a jury route, a member on a president-only route', async () => {
      expectError(await post(`/v1/juries/${jury}/decisions`, 'outsider', { candidateId: A, block: 'BC01', decision: 'validated' }), 403, 'FORBIDDEN');
      expectError(await post(`/v1/juries/${jury}/decisions`, 'mem', { candidateId: A, block: 'BC01', decision: 'validated' }), 403, 'FORBIDDEN');
      expectError(await post(`/v1/juries/${jury}/neutralisations`, 'mem', { candidateId: B, criterion: 'CE1.2', opinionId: opinionB }), 403, 'FORBIDDEN');
      expectError(await post(`/v1/juries/${jury}/close`, 'mem'), 403, 'FORBIDDEN');
    });
    it('neutralises a non-core criterion named by the opinion; progress counts it apart', async () => {
      await ok(`/v1/juries/${jury}/neutralisations`, 'pres', { candidateId: B, criterion: 'CE1.2', opinionId: opinionB });
      const progress = (await get(`/v1/candidates/${B}/progress`, 'admin').expect(200)).body;
      expect(progress).toEqual({ candidateId: B, certified: false, blocks: [{ code: 'BC01', proposal: 'acquired', notEvaluated: null, attempt: 1, decision: null, criteria: { total: 3, scored: 2, acquired: 2, neutralised: 1 } }], appealDeadline: null, letters: [] });
    });
    it('422 SCORES_INCOMPLETE: validated while non-neutralised criteria are unscored', async () => {
      const E = (await ok('/v1/candidates', 'admin', { givenName: 'Emma', familyName: 'Roux', birthDate: '1990-01-01', email: 'emma@example.org', accessRoute: 'vae' })).id;
      await ok(`/v1/candidates/${E}/enrolments`, 'admin', { sessionId: session, blocks: ['BC01'] });
      await ok(`/v1/candidates/${E}/scores`, 'ass', { sessionId: session, criterion: 'CE1.1', result: 'acquired' });
      expectError(await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: E, block: 'BC01', decision: 'validated', motivation: 'souverain' }), 422, 'SCORES_INCOMPLETE');
    });
    it('422 MOTIVATION_REQUIRED: a decision departing from the proposal without motivation', async () => {
      expectError(await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: A, block: 'BC01', decision: 'not-validated' }), 422, 'MOTIVATION_REQUIRED');
    });
    it('a deferred block may be decided again later in the same deliberation', async () => {
      expectError(await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: D, block: 'BC01', decision: 'deferred' }), 422, 'MOTIVATION_REQUIRED');
      await ok(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: D, block: 'BC01', decision: 'deferred', motivation: 'Pièce manquante au dossier' });
      expect((await get(`/v1/candidates/${D}/progress`, 'admin').expect(200)).body.blocks[0]).toMatchObject({ code: 'BC01', proposal: 'acquired', decision: 'deferred' });
      const again = await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: D, block: 'BC01', decision: 'validated' });
      expect(again.status).toBe(201);
      const progress = (await get(`/v1/candidates/${D}/progress`, 'admin').expect(200)).body;
      expect(progress.blocks).toEqual([expect.objectContaining({ code: 'BC01', decision: 'validated' })]);
    });
    it('422 BLOCK_ALREADY_DECIDED: deciding a block twice in one deliberation', async () => {
      await ok(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: A, block: 'BC01', decision: 'validated' });
      expectError(await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: A, block: 'BC01', decision: 'validated' }), 422, 'BLOCK_ALREADY_DECIDED');
      expectError(await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: D, block: 'BC01', decision: 'validated' }), 422, 'BLOCK_ALREADY_DECIDED');
    });
  });

  describe('closing', () => {
    let closedAt: number;
    let awardEventId: string;
    it('answers sealHash; DeliberationClosed then, in the same append, one CertificationAwarded per certified candidate, dated the closing day, covered by the seal', async () => {
      await ok(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: A, block: 'BC02', decision: 'validated' });
      await ok(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: B, block: 'BC01', decision: 'validated' });
      await ok(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: V, block: 'BC01', decision: 'validated' });
      await ok(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: V, block: 'BC02', decision: 'validated' });
      await ok(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: W, block: 'BC02', decision: 'validated' });
      const res = await post(`/v1/juries/${jury}/close`, 'pres');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id: jury, position: expect.any(Number), version: expect.any(Number), sealHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      sealHash = res.body.sealHash;
      closedAt = res.body.position;
      const events = (await get(`/v1/audit/events?after=0&limit=200`, 'admin').expect(200)).body;
      const items: any[] = events.map((e: any) => ({ position: e.position, ...e.event }));
      const closed = items.find((e) => e.type === 'DeliberationClosed' && e.data?.juryId === jury);
      expect(closed).toBeDefined();
      const after = items.filter((e) => e.position > closed.position);
      const awards = after.filter((e) => e.type === 'CertificationAwarded');
      // A (BC01 + BC02) is certified; B and D were enrolled in BC01 only, and the certification has two blocks.
      // W's BC01 was validated in March: capitalised, it counts at the June close.
      expect(awards.map((e) => e.data.candidateId).sort()).toEqual([A, V, W].sort());
      // The same append: the awards follow the seal at once, recorded at the same instant.
      expect(after.slice(0, awards.length).map((e) => e.type)).toEqual(awards.map(() => 'CertificationAwarded'));
      expect(awards[0].position).toBe(closed.position + 1);
      expect(awards[0].metadata.recordedAt).toBe(closed.metadata.recordedAt);
      awardEventId = awards.find((e) => e.data.candidateId === A).eventId;
      const closedDay = closed.data.closedAt.slice(0, 10);
      expect(awards.find((e) => e.data.candidateId === A).data).toMatchObject({ candidateId: A, certificationCode: 'RNCP77777', juryId: jury, awardedOn: closedDay, sealHash });
      const record = (await get(`/v1/juries/${jury}/record`, 'admin').expect(200)).body;
      expect(record).toMatchObject({ status: 'closed', sealHash, sealVerification: { intact: true, signatureValid: true } });
      // The awards are part of the content the seal covers.
      expect(record.sealVerification.content.awards.map((a: any) => a.candidateId).sort()).toEqual([A, V, W].sort());
      expect(JSON.stringify(record)).toContain('RNCP77777');
      expect(closedAt).toBeGreaterThanOrEqual(awards[0].position);
    });
    it('a score of a decided block is refused (only a revision changes it)', async () => {
      const res = await post(`/v1/candidates/${A}/scores`, 'ass', { sessionId: session, criterion: 'CE1.2', result: 'not-acquired', correctionReason: 'relecture' });
      expect([409, 422]).toContain(res.status);
    });
    it('progress as it stood (asOf): before the close, not certified', async () => {
      const history: any[] = (await get(`/v1/candidates/${A}/history`, 'admin').expect(200)).body;
      const award = history.find((e) => e.type === 'CertificationAwarded');
      const before = new Date(Date.parse(award.recordedAt) - 1).toISOString();
      expect((await get(`/v1/candidates/${A}/progress?asOf=${before}`, 'reg').expect(200)).body.certified).toBe(false);
      expect((await get(`/v1/candidates/${A}/progress?asOf=${award.recordedAt}`, 'reg').expect(200)).body.certified).toBe(true);
    });
    it('progress says certified', async () => {
      expect((await get(`/v1/candidates/${A}/progress`, 'admin').expect(200)).body.certified).toBe(true);
      expect((await get(`/v1/candidates/${D}/progress`, 'admin').expect(200)).body.certified).toBe(false);
      expect((await get(`/v1/candidates/${V}/progress`, 'admin').expect(200)).body.certified).toBe(true);
    });
    it('anything sent to a closed deliberation → 409 DELIBERATION_CLOSED', async () => {
      expectError(await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: B, block: 'BC01', decision: 'validated' }), 409, 'DELIBERATION_CLOSED');
      expectError(await post(`/v1/juries/${jury}/neutralisations`, 'pres', { candidateId: B, criterion: 'CE1.2', opinionId: opinionB }), 409, 'DELIBERATION_CLOSED');
      expectError(await post(`/v1/juries/${jury}/close`, 'pres'), 409, 'DELIBERATION_CLOSED');
      expectError(await post(`/v1/juries/${jury}/open`, 'pres'), 409, 'DELIBERATION_CLOSED');
      expectError(await post(`/v1/juries/${jury}/recusals`, 'mem', { candidateId: A, reason: 'lien familial' }), 409, 'DELIBERATION_CLOSED');
      expectError(await post(`/v1/juries/${jury}/president`, 'admin', { userId: 'mem' }), 409, 'DELIBERATION_CLOSED');
    });
    it('the CDC flux: cpf: prefix, namespace, structure, nil elements and the holder', async () => {
      // The sealed record counts as final for the CDC once its president approved it (RECORD_APPROVAL_REQUIRED, default on).
      expect((await get('/v1/exports/accrochage?preview=true', 'admin')).status).toBe(204);
      await ok(`/v1/juries/${jury}/approvals`, 'pres', {});
      const res = await get('/v1/exports/accrochage?preview=true', 'admin');
      expect(res.status).toBe(200);
      const xml: string = res.text ?? res.body.toString();
      expect(xml).toContain('xmlns:cpf="urn:cdc:cpf:pc5:schema:1.0.0"');
      for (const el of [
        'flux', 'idFlux', 'horodatage', 'emetteur', 'idClient', 'certificateurs', 'certificateur', 'idContrat', 'certifications', 'certification', 'type', 'code', 'natureDeposant',
        'passageCertifications', 'passageCertification', 'idTechnique', 'obtentionCertification', 'donneeCertifiee', 'dateDebutValidite', 'dateFinValidite',
        'presenceNiveauLangueEuro', 'presenceNiveauNumeriqueEuro', 'scoring', 'mentionValidee', 'modalitesInscription', 'modaliteAcces', 'identificationTitulaire', 'titulaire',
        'nomNaissance', 'nomUsage', 'prenom1', 'anneeNaissance', 'moisNaissance', 'jourNaissance', 'sexe', 'codeCommuneNaissance', 'codeInseeNaissance', 'codeInsee',
      ]) expect(xml).toMatch(new RegExp(`<cpf:${el}[ >/]`));
      expect(xml).not.toMatch(/<(?!cpf:|\?xml|\/cpf:)[A-Za-z]/);
      expect(xml).toMatch(/<cpf:horodatage>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00<\/cpf:horodatage>/);
      expect(xml).toContain('<cpf:obtentionCertification>PAR_ADMISSION</cpf:obtentionCertification>');
      expect(xml).toMatch(/<cpf:emetteur>\s*<cpf:idClient>EMT00001<\/cpf:idClient>\s*<cpf:certificateurs>\s*<cpf:certificateur>\s*<cpf:idClient>CER00001<\/cpf:idClient>\s*<cpf:idContrat>MCFCER000042<\/cpf:idContrat>/);
      expect(xml).toMatch(/<cpf:certification>\s*<cpf:type>RNCP<\/cpf:type>\s*<cpf:code>(RNCP)?77777<\/cpf:code>\s*<cpf:natureDeposant>/);
      expect(xml).toMatch(/<cpf:type>RNCP<\/cpf:type>/);
      expect(xml).toMatch(/<cpf:dateFinValidite xsi:nil="true"\s*\/>/);
      expect(xml).toMatch(/<cpf:scoring xsi:nil="true"\s*\/>/);
      expect(xml).toMatch(/<cpf:mentionValidee xsi:nil="true"\s*\/>/);
      expect(xml).toContain('<cpf:nomNaissance>DURAND</cpf:nomNaissance>'.replace('DURAND', xml.includes('DURAND') ? 'DURAND' : 'Durand'));
      expect(xml).toMatch(/<cpf:nomUsage>(LEF[EÈ]VRE|Lefèvre)<\/cpf:nomUsage>/);
      expect(xml).toContain('<cpf:prenom1>Alice</cpf:prenom1>');
      expect(xml).toContain('<cpf:prenom2>Marie</cpf:prenom2>');
      expect(xml).toContain('<cpf:anneeNaissance>1991</cpf:anneeNaissance>');
      expect(xml).toContain('<cpf:codeInsee>69123</cpf:codeInsee>');
      expect(xml).not.toContain('Bruno');
      expect(xml).toMatch(/<cpf:modaliteAcces>VAE<\/cpf:modaliteAcces>\s*<cpf:voieAccesVAE>[A-Z_]+<\/cpf:voieAccesVAE>/);
      expect(xml).toContain('<cpf:prenom3>Sofia</cpf:prenom3>');
      expect(xml).toContain('<cpf:codeInsee>99139</cpf:codeInsee>');
      expect(xml).toContain('<cpf:codePaysNaissance>PT</cpf:codePaysNaissance>');
      expect(xml).toMatch(/<cpf:nomUsage xsi:nil="true"\s*\/>/);
      expect(xml.match(/<cpf:passageCertification>/g)).toHaveLength(3);
    });
    it('a revision jury writes one CertificationWithdrawn per award it undoes, with its DeliberationClosed', async () => {
      const revision = (
        await ok('/v1/juries', 'admin', {
          sessionId: session,
          members: [
            { userId: 'pres', name: 'Paule Présidente', president: true, professional: false },
            { userId: 'mem', name: 'Pierre Pro', president: false, professional: true },
          ],
          revises: { juryId: jury, reason: 'material-error' },
        })
      ).id;
      await ok(`/v1/juries/${revision}/open`, 'pres');
      await ok(`/v1/juries/${revision}/decisions`, 'pres', { candidateId: A, block: 'BC02', decision: 'not-validated', motivation: 'Erreur matérielle : copie attribuée à tort' });
      const closed = await ok(`/v1/juries/${revision}/close`, 'pres');
      expect(closed.sealHash).toMatch(/^[0-9a-f]{64}$/);
      const history: any[] = (await get(`/v1/candidates/${A}/history`, 'admin').expect(200)).body;
      const withdrawn = history.filter((e) => e.type === 'CertificationWithdrawn');
      expect(withdrawn).toHaveLength(1);
      expect(withdrawn[0].data).toMatchObject({ candidateId: A, certificationCode: 'RNCP77777', awardEventId, juryId: revision, reason: 'material-error' });
      const closedRevision = history.find((e) => e.type === 'CertificationWithdrawn');
      const log = (await get(`/v1/audit/events?after=${closedRevision.position - 2}&limit=2`, 'admin').expect(200)).body.map((e: any) => e.event.type);
      expect(log).toEqual(['DeliberationClosed', 'CertificationWithdrawn']);
      expect((await get(`/v1/candidates/${A}/progress`, 'admin').expect(200)).body.certified).toBe(false);
    });
  });

  describe('sealed free texts', () => {
    it('the log holds no free text nor identity in clear (audit events and export)', async () => {
      const exported = (await t.http().get('/v1/audit/export').set('authorization', tok.reg).buffer(true).parse((res, cb) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString('utf8')));
        res.on('end', () => cb(null, data));
      })).body as string;
      const events = JSON.stringify((await get('/v1/audit/events?after=0&limit=1000', 'admin').expect(200)).body);
      for (const text of [exported, events]) {
        for (const secret of ['traitement médical', 'Dyslexie', 'Trouble attesté', "L'oral est rendu", 'Pièce manquante', 'Avis favorable', 'Erreur matérielle : copie', 'Durand', 'Lefèvre', 'alicemarie@example.org']) {
          expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
        }
      }
    });
    it('a score comment reads in clear, then [erased] after erasure', async () => {
      const before = JSON.stringify((await get(`/v1/candidates/${D}/history`, 'admin').expect(200)).body);
      expect(before).toContain('Le candidat évoque son traitement médical');
      await ok(`/v1/candidates/${D}/erasure`, 'admin', { reason: 'Demande du candidat (RGPD art. 17)', overrideRetention: true });
      const after = JSON.stringify((await get(`/v1/candidates/${D}/history`, 'admin').expect(200)).body);
      expect(after).not.toContain('traitement médical');
      expect(after).not.toContain('Pièce manquante');
      expect(after).not.toContain('David');
      expect(after).toContain('[erased]');
      const record = JSON.stringify((await get(`/v1/juries/${jury}/record`, 'admin').expect(200)).body);
      expect(record).not.toContain('Pièce manquante');
      expect(record).not.toContain('David');
    });
  });

  describe('offline verification', () => {
    it('npm run -s verify: exit 0 on the export, non-zero naming the position when an event is changed', async () => {
      const bundle = (await t.http().get('/v1/audit/export').set('authorization', tok.reg).buffer(true).parse((res, cb) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString('utf8')));
        res.on('end', () => cb(null, data));
      })).body as string;
      const good = join(t.dataDir, 'bundle.ndjson');
      writeFileSync(good, bundle);
      const okRun = await run('npm', ['run', '-s', 'verify', '--', good], { cwd: ROOT });
      expect(okRun.stdout.length).toBeGreaterThan(0);
      const lines = bundle.split('\n');
      const i = lines.findIndex((l) => l.includes('"CriterionScored"'));
      const changed = JSON.parse(lines[i]);
      const position = changed.position;
      lines[i] = JSON.stringify(changed).replace('"acquired"', '"not-acquired"');
      const bad = join(t.dataDir, 'bad.ndjson');
      writeFileSync(bad, lines.join('\n'));
      const failure = await run('npm', ['run', '-s', 'verify', '--', bad], { cwd: ROOT }).then(
        () => null,
        (e) => e,
      );
      expect(failure).not.toBeNull();
      expect(failure.code).not.toBe(0);
      expect(`${failure.stdout}${failure.stderr}`).toContain(String(position));
      // Removed, then reordered: non-zero too.
      const events = bundle.split('\n');
      const j = events.findIndex((l) => l.includes('"CandidateEnrolled"'));
      for (const [name, lines2] of [
        ['removed', [...events.slice(0, j), ...events.slice(j + 1)]],
        ['reordered', [...events.slice(0, j), events[j + 1], events[j], ...events.slice(j + 2)]],
      ] as const) {
        const file = join(t.dataDir, `${name}.ndjson`);
        writeFileSync(file, lines2.join('\n'));
        const failed = await run('npm', ['run', '-s', 'verify', '--', file], { cwd: ROOT }).then(
          () => null,
          (e) => e,
        );
        expect({ name, failed: failed !== null && failed.code !== 0 }).toEqual({ name, failed: true });
      }
    }, 20_000);
  });

  describe('production mode', () => {
    it('npm run token refuses; the CLI refuses to start, exit 2, one line naming what is missing', async () => {
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', DATA_DIR: t.dataDir };
      const token = await run('npm', ['run', '-s', 'token', '--', '--sub', 'x', '--role', 'admin'], { cwd: ROOT, env }).then(
        () => null,
        (e) => e,
      );
      expect(token).not.toBeNull();
      expect(token.stdout).toBe('');
      expect(token.code).not.toBe(0);
      const api = await run('node', ['scripts/launch.js', 'api'], { cwd: ROOT, env, timeout: 15_000 }).then(
        () => null,
        (e) => e,
      );
      expect(api).not.toBeNull();
      expect(api.code).toBe(2);
      expect(api.stderr.trim().split('\n')).toHaveLength(1);
      expect(api.stderr).toMatch(/PERSONAL_DATA_KEK_FILE/);
      expect(api.stderr).toMatch(/SIGNING_KEY/);
      expect(api.stderr).toMatch(/AUTH_/);
      for (const command of [['scripts/launch.js', 'projector'], ['scripts/launch.js', 'cli', 'projections', 'status']]) {
        const refused = await run('node', command, { cwd: ROOT, env, timeout: 15_000 }).then(
          () => null,
          (e) => e,
        );
        expect(refused).not.toBeNull();
        expect(refused.code).toBe(2);
        expect(refused.stderr.trim().split('\n')).toHaveLength(1);
        expect(refused.stderr).toMatch(/PERSONAL_DATA_KEK_FILE/);
      }
    }, 25_000);
  });
});
