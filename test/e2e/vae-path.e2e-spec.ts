import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp } from '../support/app';
import { SEED_REFERENTIAL } from '../support/scenario';
import { collectBuffer, pdfText } from '../support/pdf';
import { parseXml, XmlElement } from '../support/xml';

/**
 * The VAE path over HTTP on the shipped referential (docs/paths.md "VAE"):
 * application, admissibility, file, enrolment on the file, the jury's
 * interview, decisions on the file with a motivation and no scores, the
 * closing. Checked in progress, the deliberation sheet (JSON and CSV), the
 * record (JSON, as admin, jury and regulator) and the PV (its text); a
 * candidate whose file covers the four blocks is awarded and declared to the
 * CDC with voieAccesVAE.
 */
const XSD = join(__dirname, '..', 'fixtures', 'cdc-accrochage-actions.xsd');
const members = [
  { userId: 'pres', name: 'Paule Présidente', president: true, professional: false },
  { userId: 'pro', name: 'Pierre Pro', president: false, professional: true },
];
const ALL = ['BC01', 'BC02', 'BC03', 'BC04'];
const local = (n: string) => n.replace(/^cpf:/, '');
const find = (el: XmlElement, name: string): XmlElement[] => [...(local(el.name) === name ? [el] : []), ...el.children.flatMap((c) => find(c, name))];

describe('the VAE path (HTTP, PostgreSQL, shipped referential)', () => {
  let t: TestApp;
  const tok: Record<string, string> = {};
  const post = (path: string, who: string, body: object = {}) => t.http().post(path).set('authorization', tok[who]).send(body);
  const get = (path: string, who: string, position?: number) => {
    const req = t.http().get(path).set('authorization', tok[who]);
    return position === undefined ? req : req.set('X-Min-Position', String(position));
  };
  const refused = async (res: PromiseLike<{ status: number; body: any }>, status: number, code: string) => {
    const answer = await res;
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
  };

  let referentialId: string;
  let sessionId: string;
  let juryId: string;
  let alice: string; // VAE on BC01 and BC02
  let bruno: string; // VAE on the four blocks
  let last = 0;
  const note = <R extends { body: { position: number } }>(res: R): R => {
    last = Math.max(last, res.body.position);
    return res;
  };
  const register = async (givenName: string, accessRoute: string, extra: object = {}) =>
    (await post('/v1/candidates', 'admin', { givenName, familyName: 'Expérience', birthDate: '1980-04-02', email: `${givenName.toLowerCase()}@example.org`, accessRoute, ...extra }).expect(201)).body.id as string;
  /** Application, admissibility and file through their routes; answers the application id. */
  const toFile = async (candidate: string, blocks: string[]) => {
    const filed = (await post(`/v1/candidates/${candidate}/vae/application`, 'admin', { referentialId, blocks, summary: 'Douze ans de direction commerciale en PME' }).expect(201)).body;
    await post(`/v1/candidates/${candidate}/vae/admissibility`, 'admin', { admissible: true, motivation: 'Expérience d’au moins un an en rapport direct' }).expect(201);
    note(await post(`/v1/candidates/${candidate}/vae/file`, 'admin', { blocks, description: 'Dossier de validation n° DV-2026-17, 84 pages' }).expect(201));
    return filed.applicationId as string;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { CDC_EMITTER_ID: 'EMT00001', CDC_CONTRACT_ID: 'MCFCER000042', CDC_XSD_FILE: XSD } });
    for (const [sub, roles] of [
      ['admin', ['admin']],
      ['pres', ['jury']],
      ['pro', ['jury']],
      ['outsider', ['jury']],
      ['assessor-1', ['assessor']],
      ['reg', ['regulator']],
    ] as const) {
      tok[sub] = `Bearer ${await t.token(sub, [...roles] as never)}`;
    }
    referentialId = (await post('/v1/referentials', 'admin', SEED_REFERENTIAL).expect(201)).body.id;
    await post(`/v1/referentials/${referentialId}/publish`, 'admin').expect(201);
    sessionId = (await post('/v1/sessions', 'admin', { referentialId, title: 'Jury VAE — juin', startsOn: '2026-06-01', endsOn: '2026-06-30' }).expect(201)).body.id;
    await post(`/v1/sessions/${sessionId}/assessors`, 'admin', { userId: 'assessor-1' }).expect(201);
  });
  afterAll(async () => t?.close());

  it('keeps the steps in order and refuses what the path does not allow', async () => {
    const other = await register('Octave', 'continuing-education');
    await refused(post(`/v1/candidates/${other}/vae/application`, 'admin', { referentialId, blocks: ['BC01'] }), 422, 'NOT_VAE_ROUTE');
    await refused(post(`/v1/candidates/${other}/vae/application`, 'admin', { referentialId, blocks: ['BC01'], extra: 1 }), 400, 'VALIDATION_FAILED');

    alice = await register('Alice', 'vae', { sex: 'F', birthPlaceCode: '69123' });
    await refused(post(`/v1/candidates/${alice}/vae/file`, 'admin', { blocks: ['BC01'], description: 'Dossier' }), 422, 'VAE_STEP_OUT_OF_ORDER');
    const filed = await post(`/v1/candidates/${alice}/vae/application`, 'admin', { referentialId, blocks: ['BC01', 'BC02'], summary: 'Douze ans de direction commerciale en PME' }).set('Idempotency-Key', 'alice-vae').expect(201);
    expect(filed.headers.etag).toBe(`"${filed.body.version}"`);
    // The same key and body answer the first answer again, writing nothing.
    const again = await post(`/v1/candidates/${alice}/vae/application`, 'admin', { referentialId, blocks: ['BC01', 'BC02'], summary: 'Douze ans de direction commerciale en PME' }).set('Idempotency-Key', 'alice-vae').expect(201);
    expect(again.body).toEqual(filed.body);
    await refused(post(`/v1/candidates/${alice}/enrolments`, 'admin', { sessionId, blocks: ['BC01'] }), 422, 'VAE_STEP_OUT_OF_ORDER');
    await refused(post(`/v1/candidates/${alice}/vae/admissibility`, 'admin', { admissible: true, motivation: 'court' }), 422, 'MOTIVATION_REQUIRED');
    await refused(post(`/v1/candidates/${alice}/vae/admissibility`, 'admin', { admissible: true, motivation: 'Expérience d’au moins un an en rapport direct' }).set('If-Match', '"99"'), 412, 'PRECONDITION_FAILED');
    await post(`/v1/candidates/${alice}/vae/admissibility`, 'admin', { admissible: true, motivation: 'Expérience d’au moins un an en rapport direct' }).set('If-Match', `"${filed.body.version}"`).expect(201);
    await refused(post(`/v1/candidates/${alice}/vae/file`, 'admin', { blocks: ['BC01', 'BC03'], description: 'Dossier' }), 422, 'VAE_BLOCK_NOT_IN_APPLICATION');
    await post(`/v1/candidates/${alice}/vae/file`, 'admin', { blocks: ['BC01', 'BC02'], description: 'Dossier de validation n° DV-2026-17, 84 pages' }).expect(201);
    await refused(post(`/v1/candidates/${alice}/enrolments`, 'admin', { sessionId, blocks: ['BC01', 'BC03'] }), 422, 'VAE_BLOCK_NOT_IN_FILE');
    note(await post(`/v1/candidates/${alice}/enrolments`, 'admin', { sessionId, blocks: ['BC01', 'BC02'] }).expect(201));
    await refused(post(`/v1/candidates/${alice}/scores`, 'assessor-1', { sessionId, criterion: 'CE1.1', result: 'acquired' }), 422, 'VAE_BLOCK_ON_FILE');

    // A refusal of admissibility ends that path: no file, no enrolment.
    const chloe = await register('Chloé', 'vae');
    await post(`/v1/candidates/${chloe}/vae/application`, 'admin', { referentialId, blocks: ['BC04'] }).expect(201);
    await post(`/v1/candidates/${chloe}/vae/admissibility`, 'admin', { admissible: false, motivation: 'Expérience sans rapport avec la certification' }).expect(201);
    await refused(post(`/v1/candidates/${chloe}/vae/file`, 'admin', { blocks: ['BC04'], description: 'Dossier' }), 422, 'VAE_NOT_ADMISSIBLE');
    await refused(post(`/v1/candidates/${chloe}/enrolments`, 'admin', { sessionId, blocks: ['BC04'] }), 422, 'VAE_NOT_ADMISSIBLE');
  });

  it('the jury hears the candidates and decides their blocks on the file, with a motivation and no scores; the closing awards the one validated on every block', async () => {
    bruno = await register('Bruno', 'vae', { sex: 'M', birthPlaceCode: '75056', birthPlaceName: 'Paris' });
    await toFile(bruno, ALL);
    note(await post(`/v1/candidates/${bruno}/enrolments`, 'admin', { sessionId, blocks: ALL }).expect(201));

    juryId = (await post('/v1/juries', 'admin', { sessionId, members }).expect(201)).body.id;
    await refused(post(`/v1/juries/${juryId}/vae-interviews`, 'outsider', { candidateId: alice, heldOn: '2026-06-20' }), 403, 'FORBIDDEN');
    await refused(post(`/v1/juries/${juryId}/vae-interviews`, 'admin', { candidateId: alice, heldOn: '2026-06-20' }), 403, 'FORBIDDEN');
    await refused(post(`/v1/juries/${juryId}/vae-interviews`, 'pro', { candidateId: alice, heldOn: '20 juin' }), 400, 'VALIDATION_FAILED');
    await post(`/v1/juries/${juryId}/open`, 'pres').expect(201);
    await refused(post(`/v1/juries/${juryId}/decisions`, 'pres', { candidateId: alice, block: 'BC01', decision: 'validated', motivation: 'Le dossier démontre les compétences du bloc' }), 422, 'VAE_INTERVIEW_NOT_HELD');
    // Any member holds the interview, before or during the deliberation.
    await post(`/v1/juries/${juryId}/vae-interviews`, 'pro', { candidateId: alice, heldOn: '2026-06-20', notes: 'Présentation claire des plans d’action commerciale' }).expect(201);
    await refused(post(`/v1/juries/${juryId}/vae-interviews`, 'pres', { candidateId: alice, heldOn: '2026-06-21' }), 422, 'VAE_STEP_OUT_OF_ORDER');
    await post(`/v1/juries/${juryId}/vae-interviews`, 'pres', { candidateId: bruno, heldOn: '2026-06-21' }).expect(201);
    await refused(post(`/v1/juries/${juryId}/decisions`, 'pres', { candidateId: alice, block: 'BC01', decision: 'validated' }), 422, 'MOTIVATION_REQUIRED');
    note(await post(`/v1/juries/${juryId}/decisions`, 'pres', { candidateId: alice, block: 'BC01', decision: 'validated', motivation: 'Le dossier (partie 2) démontre la stratégie marketing' }).expect(201));
    note(await post(`/v1/juries/${juryId}/decisions`, 'pres', { candidateId: alice, block: 'BC02', decision: 'validated', motivation: 'Le dossier (partie 3) et l’entretien montrent le pilotage' }).expect(201));
    for (const block of ALL) note(await post(`/v1/juries/${juryId}/decisions`, 'pres', { candidateId: bruno, block, decision: 'validated', motivation: `Le dossier couvre le bloc ${block} et l’entretien le confirme` }).expect(201));
    const closed = note(await post(`/v1/juries/${juryId}/close`, 'pres').expect(201)).body;
    expect(closed.awarded).toEqual([bruno]);
  });

  it('progress and the deliberation sheet say the blocks are on the file, with where the path stands', async () => {
    const progress = (await get(`/v1/candidates/${alice}/progress`, 'admin', last).expect(200)).body;
    expect(progress.vae).toEqual([{ applicationId: expect.any(String), certificationCode: SEED_REFERENTIAL.code, blocks: ['BC01', 'BC02'], admissibility: 'admissible', file: { blocks: ['BC01', 'BC02'] }, interviews: [{ sessionId, heldOn: '2026-06-20' }] }]);
    const applicationId = progress.vae[0].applicationId;
    const onFile = { decidedOn: 'file-and-interview', applicationId, admissibility: 'admissible', fileCovers: true, interviewHeldOn: '2026-06-20' };
    expect(progress.blocks.map((b: any) => [b.code, b.decision, b.criteria.scored, b.vae])).toEqual([
      ['BC01', 'validated', 0, onFile],
      ['BC02', 'validated', 0, onFile],
    ]);
    expect(progress.certified).toBe(false);
    expect((await get(`/v1/candidates/${bruno}/progress`, 'admin', last).expect(200)).body.certified).toBe(true);

    const sheet = (await get(`/v1/sessions/${sessionId}/candidates`, 'pro', last).expect(200)).body.items;
    const line = sheet.find((i: any) => i.candidateId === alice);
    expect(line.blocks.map((b: any) => [b.code, b.decision, b.vae])).toEqual([
      ['BC01', 'validated', onFile],
      ['BC02', 'validated', onFile],
    ]);
    const csv = (await get(`/v1/sessions/${sessionId}/candidates.csv`, 'admin', last).expect(200)).text;
    const rows = csv.split('\r\n').filter((r) => r.startsWith(alice));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const cells = row.split(';');
      expect(cells[6]).toBe('sur dossier (VAE)');
      expect(cells[7]).toBe('validé');
      expect(cells[cells.length - 1]).toBe('recevable, dossier déposé, entretien le 2026-06-20');
    }
  });

  it('the record shows the path and the decisions on the file, texts as each reader may see them; the seal covers them', async () => {
    const record = (await get(`/v1/juries/${juryId}/record`, 'pres').expect(200)).body;
    expect(record.sealVerification.intact).toBe(true);
    expect(record.sealVerification.content.vaeInterviews.map((i: any) => [i.candidateId, i.heldOn])).toEqual(
      [
        [alice, '2026-06-20'],
        [bruno, '2026-06-21'],
      ].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    );
    const a = record.candidates.find((c: any) => c.candidateId === alice);
    expect(a.vae).toMatchObject({
      certificationCode: SEED_REFERENTIAL.code,
      blocks: ['BC01', 'BC02'],
      summary: 'Douze ans de direction commerciale en PME',
      admissibility: { admissible: true, motivation: 'Expérience d’au moins un an en rapport direct' },
      file: { blocks: ['BC01', 'BC02'], description: 'Dossier de validation n° DV-2026-17, 84 pages' },
      interview: { heldOn: '2026-06-20', memberId: 'pro', name: 'Pierre Pro', notes: 'Présentation claire des plans d’action commerciale' },
    });
    expect(a.blocks.map((b: any) => [b.block, b.decision, b.motivation, b.vae.decidedOn])).toEqual([
      ['BC01', 'validated', 'Le dossier (partie 2) démontre la stratégie marketing', 'file-and-interview'],
      ['BC02', 'validated', 'Le dossier (partie 3) et l’entretien montrent le pilotage', 'file-and-interview'],
    ]);

    // Regulators read pseudonyms and no free text about the candidate.
    const seen = (await get(`/v1/juries/${juryId}/record`, 'reg').expect(200)).body.candidates.find((c: any) => c.candidateId === alice);
    expect(seen.name).toBeNull();
    expect([seen.vae.summary, seen.vae.admissibility.motivation, seen.vae.file.description, seen.vae.interview.notes, seen.blocks[0].motivation]).toEqual(Array(5).fill('[withheld]'));
    expect(JSON.stringify(seen)).not.toMatch(/Douze ans|DV-2026|partie 2/);

    // The candidate's file lists the application with its steps.
    const file = (await get(`/v1/candidates/${alice}`, 'admin').expect(200)).body;
    expect(file.vaeApplications).toMatchObject([
      { certificationCode: SEED_REFERENTIAL.code, blocks: ['BC01', 'BC02'], summary: 'Douze ans de direction commerciale en PME', admissibility: { admissible: true }, file: { blocks: ['BC01', 'BC02'] } },
    ]);
    expect(file.enrolments).toEqual([{ sessionId, referentialId, blocks: ['BC01', 'BC02'], vaeApplicationId: file.vaeApplications[0].applicationId }]);

    // The history opens the path's texts for the admin, and withholds them from regulators.
    const texts = async (who: string) =>
      Object.fromEntries(
        ((await get(`/v1/candidates/${alice}/history`, who).expect(200)).body as any[])
          .filter((e) => e.type.startsWith('Vae'))
          .map((e) => [e.type, e.data.summary ?? e.data.motivation ?? e.data.file ?? e.data.notes]),
      );
    expect(await texts('admin')).toMatchObject({
      VaeApplicationFiled: 'Douze ans de direction commerciale en PME',
      VaeAdmissibilityDecided: 'Expérience d’au moins un an en rapport direct',
      VaeFileSubmitted: 'Dossier de validation n° DV-2026-17, 84 pages',
    });
    expect(Object.values(await texts('reg')).every((v) => v === '[withheld]')).toBe(true);
  });

  it('the PV says the blocks were decided on the file, with the path', async () => {
    const pdf = (await get(`/v1/juries/${juryId}/record.pdf`, 'admin').buffer(true).parse(collectBuffer).expect(200)).body as Buffer;
    if (process.env.VAE_PV_OUT) writeFileSync(process.env.VAE_PV_OUT, pdf);
    const text = (await pdfText(pdf)).replace(/\s+/g, ' ');
    expect(text).toContain('Validation des acquis de l’expérience (VAE)');
    expect(text).toContain('Recevabilité : recevable');
    expect(text).toContain('blocs couverts : BC01, BC02 — Dossier de validation n° DV-2026-17, 84 pages');
    expect(text).toContain('Entretien avec le jury le 20 juin 2026, mené par Pierre Pro');
    expect(text).toContain('Sur dossier VAE : bloc couvert par le dossier, entretien tenu le 20 juin 2026');
    expect(text).toContain('Motivation : Le dossier (partie 2) démontre la stratégie marketing');
    expect(text).not.toMatch(/Alice Expérience[^]*Proposition : incomplet/);
  });

  it('the candidate validated on the four blocks on file is declared to the CDC with voieAccesVAE', async () => {
    await post(`/v1/juries/${juryId}/approvals`, 'pres', {}).expect(201);
    const today = new Date().toISOString().slice(0, 10);
    const res = await get(`/v1/exports/accrochage?to=${today}`, 'admin').buffer(true).parse(collectBuffer).expect(200);
    const flux = parseXml((res.body as Buffer).toString('utf8'));
    const passages = find(flux, 'passageCertification');
    expect(passages).toHaveLength(1);
    const field = (name: string) => find(passages[0], name)[0]?.text;
    expect([field('prenom1'), field('modaliteAcces'), field('voieAccesVAE')]).toEqual(['Bruno', 'VAE', 'VAE_CLASSIQUE']);
    // The passage is declared under the certification of the shipped referential.
    const certification = find(flux, 'certification')[0];
    expect(SEED_REFERENTIAL.code).toContain(certification.children.find((c) => local(c.name) === 'code')!.text);
  });

  it('after erasure, the path’s texts read [erased] in the record while the seal still verifies', async () => {
    await post(`/v1/candidates/${alice}/erasure`, 'admin', { reason: 'data subject request, ticket GDPR-7', overrideRetention: true }).expect(201);
    const record = (await get(`/v1/juries/${juryId}/record`, 'admin').expect(200)).body;
    expect(record.sealVerification.intact).toBe(true);
    const a = record.candidates.find((c: any) => c.candidateId === alice);
    expect([a.vae.summary, a.vae.admissibility.motivation, a.vae.file.description, a.vae.interview.notes, a.blocks[0].motivation]).toEqual(Array(5).fill('[erased]'));
    await refused(post(`/v1/candidates/${alice}/vae/application`, 'admin', { referentialId, blocks: ['BC03'] }), 409, 'PERSONAL_DATA_ERASED');
  });
});
