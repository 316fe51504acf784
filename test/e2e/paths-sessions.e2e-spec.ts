import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from '@app/event-store/event-store';
import { startTestApp, TestApp } from '../support/app';
import { collectBuffer, pdfText } from '../support/pdf';
import { SEED_CRITERIA, SEED_REFERENTIAL } from '../support/scenario';

/**
 * Paths beyond the first session, over HTTP on the shipped referential
 * (docs/paths.md): a resit of BC02 in a second session, absent candidates
 * (justified and not), a fraud annulled by the jury and a ban, checked in
 * progress, the deliberation sheet (JSON and CSV), the jury's record, the
 * PV's text and the CDC export.
 */
const ALL = ['BC01', 'BC02', 'BC03', 'BC04'];
const members = [
  { userId: 'pres', name: 'Paule Présidente', president: true, professional: true },
  { userId: 'pro', name: 'Pierre Pro', president: false, professional: true },
];
const fixtures = join(__dirname, '../fixtures');

describe('resits and absence (HTTP, PostgreSQL, shipped referential)', () => {
  let t: TestApp;
  const tok: Record<string, string> = {};
  const post = (path: string, who: string, body: object = {}) => t.http().post(path).set('authorization', tok[who]).send(body);
  const get = (path: string, who: string, minPosition?: number) => {
    const req = t.http().get(path).set('authorization', tok[who]);
    return minPosition === undefined ? req : req.set('X-Min-Position', String(minPosition));
  };
  const refusal = (res: { status: number; body: any }) => ({ status: res.status, code: res.body.code });
  let last = 0;
  const track = <T extends { body: any }>(res: T) => ((last = Math.max(last, res.body?.position ?? 0)), res);

  let referentialId: string;
  let s1: string;
  let s2: string;
  let j1: string;
  const who: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ env: { CDC_EMITTER_ID: 'EMT00001', CDC_CONTRACT_ID: 'MCFCER000042', CDC_XSD_FILE: join(fixtures, 'cdc-accrochage-actions.xsd') } });
    for (const [sub, roles] of [
      ['admin', ['admin']],
      ['pres', ['jury']],
      ['pro', ['jury']],
      ['assessor-1', ['assessor']],
      ['regulator', ['regulator']],
    ] as const) {
      tok[sub] = `Bearer ${await t.token(sub, [...roles] as never)}`;
    }
    referentialId = (await post('/v1/referentials', 'admin', SEED_REFERENTIAL).expect(201)).body.id;
    await post(`/v1/referentials/${referentialId}/publish`, 'admin').expect(201);
    s1 = await openSession('Session de juin 2026');
    for (const [name, family] of [
      ['resit', 'Rattrapage'],
      ['absentJustified', 'Absente'],
      ['absentUnjustified', 'Défaillant'],
      ['fraud', 'Fraudeur'],
      ['banned', 'Banni'],
    ]) {
      who[name] = (
        await post('/v1/candidates', 'admin', {
          givenName: 'Camille',
          familyName: family,
          birthDate: '1994-05-17',
          email: `${name}@example.org`,
          accessRoute: 'continuing-education',
          sex: 'F',
          birthPlaceCode: '75056',
        }).expect(201)
      ).body.id;
    }
  });
  afterAll(async () => t?.close());

  async function openSession(title: string): Promise<string> {
    const id = (await post('/v1/sessions', 'admin', { referentialId, title, startsOn: '2026-06-01', endsOn: '2026-06-30' }).expect(201)).body.id;
    await post(`/v1/sessions/${id}/assessors`, 'admin', { userId: 'assessor-1' }).expect(201);
    return id;
  }
  async function scoreBlocks(candidateId: string, sessionId: string, blocks: string[], failing: string[] = []) {
    for (const { block, criterion } of SEED_CRITERIA.filter((c) => blocks.includes(c.block))) {
      track(await post(`/v1/candidates/${candidateId}/scores`, 'assessor-1', { sessionId, criterion, result: failing.includes(criterion) ? 'not-acquired' : 'acquired' }).expect(201));
      void block;
    }
  }
  const decide = async (jury: string, candidateId: string, block: string, decision: string, motivation?: string) =>
    track(await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId, block, decision, ...(motivation ? { motivation } : {}) }));
  async function closeAndApprove(jury: string) {
    const closed = track(await post(`/v1/juries/${jury}/close`, 'pres').expect(201)).body;
    track(await post(`/v1/juries/${jury}/approvals`, 'pres', { sealHash: closed.sealHash }).expect(201));
    return closed;
  }
  const progress = async (candidateId: string) => (await get(`/v1/candidates/${candidateId}/progress`, 'admin', last).expect(200)).body;
  const sheetItem = async (sessionId: string, candidateId: string, reader = 'admin') =>
    (await get(`/v1/sessions/${sessionId}/candidates?limit=200`, reader, last).expect(200)).body.items.find((i: any) => i.candidateId === candidateId);
  const csvRows = async (sessionId: string, candidateId: string) =>
    (await get(`/v1/sessions/${sessionId}/candidates.csv`, 'admin', last).expect(200)).text.split('\r\n').filter((l: string) => l.startsWith(candidateId));
  const record = async (jury: string, reader = 'admin') => (await get(`/v1/juries/${jury}/record`, reader).expect(200)).body;
  const recordBlock = (rec: any, candidateId: string, block: string) => rec.candidates.find((c: any) => c.candidateId === candidateId).blocks.find((b: any) => b.block === block);
  const pv = async (jury: string) => {
    const pdf: Buffer = (await get(`/v1/juries/${jury}/record.pdf`, 'admin').buffer(true).parse(collectBuffer).expect(200)).body;
    if (process.env.KEEP_PV_DIR) writeFileSync(join(process.env.KEEP_PV_DIR, `pv-${jury}.pdf`), pdf);
    return (await pdfText(pdf)).replace(/\s+/g, ' ');
  };
  /** The CDC flux of what is awarded and not declared yet: empty (204) when there is nothing to declare. */
  const flux = async () => {
    const res = await get(`/v1/exports/accrochage?to=${new Date().toISOString().slice(0, 10)}`, 'admin');
    expect([200, 204]).toContain(res.status);
    return res.status === 204 ? '' : (res.text as string);
  };

  it('first session: BC02 not validated for the resit candidate; an absent candidate’s block is not evaluated and cannot be validated', async () => {
    await post(`/v1/candidates/${who.resit}/enrolments`, 'admin', { sessionId: s1, blocks: ALL }).expect(201);
    await post(`/v1/candidates/${who.absentJustified}/enrolments`, 'admin', { sessionId: s1, blocks: ['BC01', 'BC02'] }).expect(201);
    await post(`/v1/candidates/${who.absentUnjustified}/enrolments`, 'admin', { sessionId: s1, blocks: ['BC02'] }).expect(201);
    await post(`/v1/candidates/${who.fraud}/enrolments`, 'admin', { sessionId: s1, blocks: ['BC02'] }).expect(201);
    await post(`/v1/candidates/${who.banned}/enrolments`, 'admin', { sessionId: s1, blocks: ['BC01'] }).expect(201);
    await scoreBlocks(who.fraud, s1, ['BC02']);
    const firstOfBC02 = SEED_CRITERIA.find((c) => c.block === 'BC02')!.criterion;
    await scoreBlocks(who.resit, s1, ALL, [firstOfBC02]);
    await scoreBlocks(who.absentJustified, s1, ['BC02']); // scored in full, and still not evaluated

    // The absence names a referential modality (BC02 is evaluated by M3 and M4); only an admin records it, the reason is sealed.
    const absence = { sessionId: s1, modality: 'M3', justified: true, reason: 'certificat médical du 12 juin' };
    expect((await post(`/v1/candidates/${who.absentJustified}/absences`, 'assessor-1', absence)).status).toBe(403);
    expect(refusal(await post(`/v1/candidates/${who.absentJustified}/absences`, 'admin', { ...absence, modality: 'M99' }))).toEqual({ status: 422, code: 'UNKNOWN_MODALITY' });
    expect(refusal(await post(`/v1/candidates/${who.absentJustified}/absences`, 'admin', { ...absence, modality: undefined, block: 'BC02' }))).toEqual({ status: 422, code: 'BLOCK_HAS_MODALITIES' });
    expect(refusal(await post(`/v1/candidates/${who.absentJustified}/absences`, 'admin', { ...absence, extra: 1 }))).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    track(await post(`/v1/candidates/${who.absentJustified}/absences`, 'admin', absence).expect(201));
    expect(refusal(await post(`/v1/candidates/${who.absentJustified}/absences`, 'admin', absence))).toEqual({ status: 409, code: 'ABSENCE_ALREADY_RECORDED' });
    track(await post(`/v1/candidates/${who.absentUnjustified}/absences`, 'admin', { sessionId: s1, modality: 'M4', justified: false }).expect(201));
    const history = (await get(`/v1/candidates/${who.absentJustified}/history`, 'admin').expect(200)).body;
    const stored = history.find((e: any) => e.type === 'CandidateAbsent');
    expect(stored.data).toMatchObject({ sessionId: s1, modality: 'M3', block: 'BC02', justified: true });
    expect(stored.data.reason).toBe(absence.reason); // a health text: the admin reads it…
    const regulatorHistory = (await get(`/v1/candidates/${who.absentJustified}/history`, 'regulator').expect(200)).body;
    expect(JSON.stringify(regulatorHistory)).not.toContain('médical'); // …a regulator never
    const store: EventStore = t.app.get('EVENT_STORE');
    const raw = (await store.readStream(`candidate-${who.absentJustified}`)).find((e) => e.type === 'CandidateAbsent')!;
    expect(JSON.stringify(raw.data)).not.toContain('médical'); // sealed in the log

    // Every view says "not evaluated", not "not acquired", even with every criterion scored acquired.
    expect((await progress(who.absentJustified)).blocks.find((b: any) => b.code === 'BC02')).toMatchObject({ proposal: 'not-evaluated', notEvaluated: 'absence-justified', attempt: 1 });
    expect((await sheetItem(s1, who.absentUnjustified)).blocks).toEqual([expect.objectContaining({ code: 'BC02', proposal: 'not-evaluated', notEvaluated: 'absence-unjustified', attempt: 1 })]);

    j1 = (await post('/v1/juries', 'admin', { sessionId: s1, members }).expect(201)).body.id;
    await post(`/v1/juries/${j1}/open`, 'pres').expect(201);
    expect(refusal(await decide(j1, who.absentJustified, 'BC02', 'validated', 'le jury valide malgré l’absence'))).toEqual({ status: 422, code: 'BLOCK_NOT_EVALUATED' });

    // A fraud: reported by the session's assessor, decided by the president (annulment; a ban for the other candidate).
    const description = 'téléphone consulté pendant l’épreuve écrite';
    const reportId = track(await post(`/v1/candidates/${who.fraud}/fraud-reports`, 'assessor-1', { sessionId: s1, blocks: ['BC02'], description }).expect(201)).body.reportId;
    const banReport = track(await post(`/v1/candidates/${who.banned}/fraud-reports`, 'admin', { sessionId: s1, blocks: ['BC01'], description: 'substitution de candidat' }).expect(201)).body.reportId;
    const fraudDecision = (candidateId: string, id: string, outcome: string, extra: object = {}) =>
      post(`/v1/juries/${j1}/fraud-decisions`, 'pres', { candidateId, reportId: id, outcome, motivation: 'fraude établie au vu du rapport de l’évaluateur', ...extra });
    expect((await post(`/v1/juries/${j1}/fraud-decisions`, 'pro', { candidateId: who.fraud, reportId, outcome: 'none', motivation: 'le membre n’est pas président' })).status).toBe(403);
    expect(refusal(await fraudDecision(who.fraud, reportId, 'evaluation-annulled', { motivation: undefined }))).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(refusal(await fraudDecision(who.banned, banReport, 'ban'))).toEqual({ status: 422, code: 'BAN_END_REQUIRED' });
    track(await fraudDecision(who.fraud, reportId, 'evaluation-annulled').expect(201));
    expect(refusal(await fraudDecision(who.fraud, reportId, 'none'))).toEqual({ status: 409, code: 'FRAUD_ALREADY_DECIDED' });
    const banUntil = `${new Date().getUTCFullYear() + 1}-12-31`;
    track(await fraudDecision(who.banned, banReport, 'ban', { banUntil }).expect(201));
    expect(refusal(await decide(j1, who.fraud, 'BC02', 'validated'))).toEqual({ status: 422, code: 'BLOCK_NOT_EVALUATED' });
    expect((await decide(j1, who.fraud, 'BC02', 'not-validated')).status).toBe(201);
    expect((await decide(j1, who.banned, 'BC01', 'not-validated')).status).toBe(201);
    expect((await decide(j1, who.absentJustified, 'BC02', 'not-validated')).status).toBe(201); // agrees with "not evaluated": no motivation needed
    expect((await decide(j1, who.absentUnjustified, 'BC02', 'not-validated')).status).toBe(201);
    for (const b of ['BC01', 'BC03', 'BC04']) expect((await decide(j1, who.resit, b, 'validated')).status).toBe(201);
    expect((await decide(j1, who.resit, 'BC02', 'not-validated')).status).toBe(201);
    const closed = await closeAndApprove(j1);
    expect(closed.awarded ?? []).toEqual([]);

    const rec = await record(j1);
    expect(recordBlock(rec, who.absentJustified, 'BC02')).toMatchObject({ proposal: 'not-evaluated', notEvaluated: 'absence-justified', decision: 'not-validated', attempt: 1 });
    expect(recordBlock(rec, who.absentUnjustified, 'BC02')).toMatchObject({ proposal: 'not-evaluated', notEvaluated: 'absence-unjustified', decision: 'not-validated' });
    expect(recordBlock(rec, who.resit, 'BC02')).toMatchObject({ proposal: 'not-acquired', notEvaluated: null, decision: 'not-validated', attempt: 1 });
    const fraudRecord = rec.candidates.find((c: any) => c.candidateId === who.fraud);
    expect(recordBlock(rec, who.fraud, 'BC02')).toMatchObject({ proposal: 'not-evaluated', notEvaluated: 'evaluation-annulled', decision: 'not-validated', attempt: 1 });
    expect(fraudRecord.frauds).toEqual([
      expect.objectContaining({ reportId, blocks: ['BC02'], reportedBy: 'assessor-1', description, decision: expect.objectContaining({ juryId: j1, outcome: 'evaluation-annulled', banUntil: null }) }),
    ]);
    expect(rec.candidates.find((c: any) => c.candidateId === who.banned).frauds[0].decision).toMatchObject({ outcome: 'ban', banUntil });
    // The seal covers the fraud decisions, and the record read back still matches it.
    expect(rec.sealVerification).toMatchObject({ intact: true, signatureValid: true });
    const sealedFrauds = [{ candidateId: who.fraud, reportId, outcome: 'evaluation-annulled' }, { candidateId: who.banned, reportId: banReport, outcome: 'ban' }];
    expect(rec.sealVerification.content.fraudDecisions).toEqual(sealedFrauds.sort((x, y) => (x.candidateId < y.candidateId ? -1 : 1)).map((f) => expect.objectContaining(f)));
    // Regulators see that a fraud was reported and decided, never what was described nor the motivation.
    const forRegulator = (await record(j1, 'regulator')).candidates.find((c: any) => c.candidateId === who.fraud);
    expect(forRegulator.frauds[0]).toMatchObject({ description: '[withheld]', decision: { outcome: 'evaluation-annulled', motivation: '[withheld]' } });
    expect(JSON.stringify(forRegulator)).not.toContain('téléphone');
    const fraudHistory = async (reader: string) => (await get(`/v1/candidates/${who.fraud}/history`, reader).expect(200)).body.filter((e: any) => e.type.startsWith('Fraud'));
    expect((await fraudHistory('admin')).map((e: any) => e.data.description ?? e.data.motivation)).toEqual([description, 'fraude établie au vu du rapport de l’évaluateur', undefined]);
    expect(JSON.stringify(await fraudHistory('regulator'))).not.toContain('téléphone');
    expect((await sheetItem(s1, who.fraud, 'regulator')).blocks.find((b: any) => b.code === 'BC02')).toMatchObject({ proposal: 'not-evaluated', notEvaluated: 'evaluation-annulled' });
    const text = await pv(j1);
    expect(text).toContain('Proposition : Non évalué — évaluation annulée pour fraude');
    expect(text).toContain('Décision du jury sur la fraude : annulation de l’évaluation,');
    expect(text).toContain('annulation de l’évaluation et interdiction de se présenter jusqu’au 31 décembre');
    expect(text).toContain('Proposition : Non évalué — absence justifiée');
    expect(text).toContain('Proposition : Non évalué — absence non justifiée');
    expect(text).toContain('non évalué : BC02');
    expect(text).toContain('Tentative n° 1');
    const csv = await csvRows(s1, who.absentJustified);
    expect(csv.find((l: string) => l.includes(';BC02;'))).toMatch(/;BC02;non évalué — absence justifiée;non validé;.*;non;1;$/);
    expect(await flux()).toBe(''); // nobody awarded: nothing to declare
  });

  let j2: string;
  it('second session: the resit of BC02 starts from no score, shows attempt 2, and the award comes at the second closing; the CDC flux declares it', async () => {
    s2 = await openSession('Session de septembre 2026');
    expect(refusal(await post(`/v1/candidates/${who.resit}/enrolments`, 'admin', { sessionId: s2, blocks: ['BC01', 'BC02'] }))).toEqual({ status: 422, code: 'BLOCK_ALREADY_VALIDATED' });
    track(await post(`/v1/candidates/${who.resit}/enrolments`, 'admin', { sessionId: s2, blocks: ['BC02'] }).expect(201));
    // A justified absence lets the candidate enrol again without counting an attempt; an unjustified one counts.
    track(await post(`/v1/candidates/${who.absentJustified}/enrolments`, 'admin', { sessionId: s2, blocks: ['BC02'] }).expect(201));
    track(await post(`/v1/candidates/${who.absentUnjustified}/enrolments`, 'admin', { sessionId: s2, blocks: ['BC02'] }).expect(201));
    // The banned candidate cannot enrol before the end date; the candidate whose evaluation was annulled may resit (a second attempt).
    expect(refusal(await post(`/v1/candidates/${who.banned}/enrolments`, 'admin', { sessionId: s2, blocks: ['BC01'] }))).toEqual({ status: 422, code: 'CANDIDATE_BANNED' });
    track(await post(`/v1/candidates/${who.fraud}/enrolments`, 'admin', { sessionId: s2, blocks: ['BC02'] }).expect(201));
    expect((await progress(who.fraud)).blocks.find((b: any) => b.code === 'BC02')).toMatchObject({ proposal: 'incomplete', notEvaluated: null, attempt: 2 });

    const before = await progress(who.resit);
    expect(before.blocks.find((b: any) => b.code === 'BC02')).toMatchObject({ proposal: 'incomplete', decision: null, attempt: 2, criteria: { scored: 0, acquired: 0 } });
    expect(before.blocks.filter((b: any) => b.code !== 'BC02').every((b: any) => b.decision === 'validated' && b.attempt === 1)).toBe(true);
    expect((await sheetItem(s2, who.absentJustified)).blocks).toEqual([expect.objectContaining({ code: 'BC02', proposal: 'incomplete', notEvaluated: null, attempt: 1 })]);
    expect((await sheetItem(s2, who.absentUnjustified)).blocks).toEqual([expect.objectContaining({ code: 'BC02', attempt: 2 })]);
    // The first session's sheet still shows the first attempt as it was decided.
    expect((await sheetItem(s1, who.resit)).blocks.find((b: any) => b.code === 'BC02')).toMatchObject({ proposal: 'not-acquired', decision: 'not-validated', attempt: 1 });

    await scoreBlocks(who.resit, s2, ['BC02']);
    j2 = (await post('/v1/juries', 'admin', { sessionId: s2, members }).expect(201)).body.id;
    await post(`/v1/juries/${j2}/open`, 'pres').expect(201);
    expect((await decide(j2, who.resit, 'BC02', 'validated')).status).toBe(201);
    const closed = await closeAndApprove(j2);
    expect(closed.awarded).toEqual([who.resit]);

    const after = await progress(who.resit);
    expect(after.certified).toBe(true);
    expect(after.blocks.find((b: any) => b.code === 'BC02')).toMatchObject({ proposal: 'acquired', decision: 'validated', attempt: 2 });
    expect((await sheetItem(s2, who.resit)).blocks).toEqual([expect.objectContaining({ code: 'BC02', attempt: 2, decision: 'validated' })]);
    expect((await csvRows(s2, who.resit))[0]).toMatch(/;BC02;acquis;validé;.*;oui;2;$/);
    const rec = await record(j2);
    expect(recordBlock(rec, who.resit, 'BC02')).toMatchObject({ attempt: 2, proposal: 'acquired', decision: 'validated' });
    expect(recordBlock(rec, who.absentJustified, 'BC02')).toMatchObject({ attempt: 1, proposal: 'incomplete', decision: null });
    expect(recordBlock(rec, who.absentUnjustified, 'BC02')).toMatchObject({ attempt: 2 });
    expect(rec.candidates.find((c: any) => c.candidateId === who.resit).awards).toEqual([expect.objectContaining({ certificationCode: SEED_REFERENTIAL.code })]);
    const text = await pv(j2);
    expect(text).toContain('Tentative n° 2');
    expect(text).toContain('Camille Rattrapage — certifié(e)');
    const xml = await flux();
    expect(xml).toContain('<cpf:nomNaissance>Rattrapage</cpf:nomNaissance>');
    expect(xml).not.toContain('Absente');
    expect(xml).not.toContain('Défaillant');
    expect(xml).not.toContain('Fraudeur');
  });
});
