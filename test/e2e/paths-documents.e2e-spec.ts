import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appealDeadline, parisDay } from '@app/domain/candidate/decision-letters';
import { EventStore } from '@app/event-store/event-store';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { attestationOfPdf, verifyAttestation } from '@app/proof/attestation';
import { readZip } from '../../apps/api/src/http/zip-writer';
import { frenchDate } from '../../apps/api/src/juries/read-record/record-pdf';
import { run as verifyCertificate } from '../../apps/cli/src/commands/certificate-verify.command';
import { startTestApp, TestApp } from '../support/app';
import { collectBuffer, pdfText } from '../support/pdf';
import { ApiClient, Scenario, setUpScenario } from '../support/scenario';

const { privateKey } = generateKeyPairSync('ed25519');
const SIGNING_KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_KEY_PEM = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();

/**
 * Certificates of blocks and decision letters on the shipped referential: a
 * session closed, sealed and approved through the API; candidate A validated
 * on every block (certified), B on BC01 only (BC02 not validated, with the
 * jury's motivations), C never deliberated.
 */
describe('certificates of blocks and decision letters', () => {
  let t: TestApp;
  let store: EventStore;
  let s: Scenario;
  let A: string;
  let B: string;
  let C: string;
  let jury: string;
  let sealHash: string;
  let revision: string;
  const tok: Record<string, string> = {};
  const keyDir = mkdtempSync(join(tmpdir(), 'cert-key-'));

  const post = (path: string, who: string, body: object = {}) => t.http().post(path).set('authorization', tok[who]).send(body);
  const binary = (path: string, who: string) => t.http().get(path).set('authorization', tok[who]).buffer(true).parse(collectBuffer);
  const letterEvents = async (candidateId: string) => (await store.readStream(`candidate-${candidateId}`)).filter((e) => e.type === 'DecisionLetterIssued');
  const scoreAll = async (candidateId: string, result: (block: string, i: number) => 'acquired' | 'not-acquired') => {
    const meta = { actor: { id: 'assessor-1', role: 'assessor' }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() };
    const events = s.criteria.map((c, i) => ({ type: 'CriterionScored', data: { candidateId, sessionId: s.sessionId, block: c.block, criterion: c.criterion, result: result(c.block, i) }, metadata: meta }));
    await store.append(`candidate-${candidateId}`, events, { expectedVersion: 'any' });
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { SIGNING_KEY_PEM } });
    store = t.app.get(EVENT_STORE);
    for (const [sub, roles, name] of [
      ['admin', ['admin'], 'Adèle Admin'],
      ['pres', ['jury'], 'Paule Présidente'],
      ['pro', ['jury'], 'Pierre Pro'],
      ['reg', ['regulator'], 'Régis Régulateur'],
      ['assessor-1', ['assessor'], 'Anne Assesseure'],
    ] as Array<[string, string[], string]>) {
      tok[sub] = `Bearer ${await t.token(sub, roles as never, name)}`;
    }
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    s = await setUpScenario(new ApiClient(`http://127.0.0.1:${port}`, tok.admin.slice(7)), { candidates: 3 });
    [A, B, C] = s.candidateIds;
    await scoreAll(A, () => 'acquired');
    // B: BC01 acquired; one criterion of BC02 not acquired; BC03 and BC04 left unscored.
    await scoreAll(B, (block, i) => (block === 'BC01' ? 'acquired' : block === 'BC02' && i % 7 === 0 ? 'not-acquired' : 'acquired'));
    jury = (
      await post('/v1/juries', 'admin', {
        sessionId: s.sessionId,
        members: [
          { userId: 'pres', name: 'Paule Présidente', president: true, professional: false },
          { userId: 'pro', name: 'Pierre Pro', president: false, professional: true },
        ],
      }).expect(201)
    ).body.id;
    await post(`/v1/juries/${jury}/open`, 'pres').expect(201);
    for (const block of s.blocks) await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: A, block, decision: 'validated' }).expect(201);
    await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: B, block: 'BC01', decision: 'validated', motivation: 'Analyse de marché rigoureuse et bien argumentée' }).expect(201);
    await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: B, block: 'BC02', decision: 'not-validated', motivation: 'Plan d’action commercial insuffisamment chiffré' }).expect(201);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('refuses letters until the record is final (sealed, then approved by the president), and certificates until a block stands on a final record', async () => {
    const open = await t.http().get(`/v1/juries/${jury}/letters/${B}.pdf`).set('authorization', tok.admin).expect(409);
    expect(open.body.code).toBe('RECORD_NOT_FINAL');
    expect((await t.http().get(`/v1/juries/${jury}/letters.zip`).set('authorization', tok.admin).expect(409)).body.code).toBe('RECORD_NOT_FINAL');
    expect((await t.http().get(`/v1/candidates/${B}/certificates/blocks.pdf`).set('authorization', tok.admin).expect(422)).body.code).toBe('NO_BLOCK_IN_FORCE');
    sealHash = (await post(`/v1/juries/${jury}/close`, 'pres').expect(201)).body.sealHash;
    expect((await t.http().get(`/v1/juries/${jury}/letters/${B}.pdf`).set('authorization', tok.reg).expect(409)).body.code).toBe('RECORD_NOT_FINAL');
    expect((await t.http().get(`/v1/candidates/${A}/certificates/blocks.pdf`).set('authorization', tok.admin).expect(422)).body.code).toBe('NO_BLOCK_IN_FORCE');
    await post(`/v1/juries/${jury}/approvals`, 'pres', { sealHash }).expect(201);
    expect(await letterEvents(B)).toHaveLength(0);
  });

  it('lets a regulator read a letter pseudonymised, without motivations, and never issues it', async () => {
    const res = await binary(`/v1/juries/${jury}/letters/${B}.pdf`, 'reg').expect(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const text = await pdfText(res.body);
    expect(text).toMatch(/Candidat C-[0-9A-F]{16}/);
    expect(text).not.toContain('Camille1');
    expect(text).not.toContain('camille1@example.org');
    expect(text).not.toContain('Analyse de marché');
    expect(text).toContain('Lettre non encore émise');
    expect(await letterEvents(B)).toHaveLength(0);
  });

  it('issues a letter at an admin’s first read only, and prints names, blocks, decisions, motivations, appeal routes and deadline, and the seal', async () => {
    const first = await binary(`/v1/juries/${jury}/letters/${B}.pdf`, 'admin').expect(200);
    if (process.env.LETTER_SAMPLE) writeFileSync(process.env.LETTER_SAMPLE, first.body);
    const issued = await letterEvents(B);
    expect(issued).toHaveLength(1);
    expect(issued[0].data).toMatchObject({ candidateId: B, juryId: jury, sealHash });
    expect(issued[0].metadata.actor).toEqual({ id: 'admin', role: 'admin' });
    const issuedAt: string = issued[0].data.issuedAt;
    const text = (await pdfText(first.body)).replace(/\s+/g, ' ');
    for (const expected of [
      'Camille1 FIABLE',
      'camille1@example.org',
      'Objet : notification de la décision du jury de certification',
      'RNCP00000BC01 — Construire les orientations de la stratégie marketing',
      'Décision : validé',
      'Motivation du jury : Analyse de marché rigoureuse et bien argumentée',
      'RNCP00000BC02',
      'Décision : non validé',
      'Motivation du jury : Plan d’action commercial insuffisamment chiffré',
      'Décision : non délibéré',
      'La certification professionnelle ne vous est pas délivrée',
      'Voies et délais de recours',
      'par un recours gracieux adressé par écrit au certificateur, CDE FEDE FRANCE, dans un délai de deux mois à compter de la notification de la présente lettre',
      `ce délai expire le ${frenchDate(appealDeadline(issuedAt))}`,
      'devant la juridiction compétente',
      sealHash,
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).toContain(`Le ${frenchDate(parisDay(issuedAt))}`);
    // Reading again writes nothing and gives the same bytes: the letter stays dated by its first issue.
    const again = await binary(`/v1/juries/${jury}/letters/${B}.pdf`, 'admin').expect(200);
    expect(Buffer.compare(again.body, first.body)).toBe(0);
    expect(await letterEvents(B)).toHaveLength(1);
  });

  it('ZIPs every letter of the jury with a mail-merge table, issuing in one append those not issued yet', async () => {
    const res = await binary(`/v1/juries/${jury}/letters.zip`, 'admin').expect(200);
    expect(res.headers['content-type']).toBe('application/zip');
    const entries = readZip(res.body);
    const names = entries.map((e) => e.name);
    expect(names).toEqual([...[A, B].sort().map((id) => `lettre-fiable-camille${s.candidateIds.indexOf(id)}-${id}.pdf`), 'lettres.csv']);
    const [a] = await letterEvents(A);
    const [b] = await letterEvents(B);
    expect([(await letterEvents(A)).length, (await letterEvents(B)).length, (await letterEvents(C)).length]).toEqual([1, 1, 0]);
    const letterA = (await pdfText(entries.find((e) => e.name.endsWith(`${A}.pdf`))!.data)).replace(/\s+/g, ' ');
    expect(letterA).toContain('Camille0 FIABLE');
    expect(letterA).toMatch(/la certification professionnelle « Manager marketing et commercial » \(RNCP00000\) vous est délivrée à la date du/);
    const csv = entries.find((e) => e.name === 'lettres.csv')!.data.toString('utf8');
    expect(csv.startsWith('\ufeffcandidateId;nom;prenom;email;fichier;emiseLe;finDelaiRecours\r\n')).toBe(true);
    expect(csv).toContain(`${A};Fiable;Camille0;camille0@example.org;lettre-fiable-camille0-${A}.pdf;${parisDay(a.data.issuedAt)};${appealDeadline(a.data.issuedAt)}`);
    expect(csv).toContain(`${B};Fiable;Camille1;camille1@example.org;lettre-fiable-camille1-${B}.pdf;${parisDay(b.data.issuedAt)};${appealDeadline(b.data.issuedAt)}`);
    // The regulator's ZIP: pseudonyms only, nothing written.
    const reg = readZip((await binary(`/v1/juries/${jury}/letters.zip`, 'reg').expect(200)).body);
    expect(reg.map((e) => e.name).every((n) => n === 'lettres.csv' || /^lettre-C-[0-9A-F]{16}-/.test(n))).toBe(true);
    expect(reg.find((e) => e.name === 'lettres.csv')!.data.toString('utf8')).not.toContain('Camille');
    expect((await letterEvents(A)).length + (await letterEvents(B)).length).toBe(2);
  });

  it('shows the appeal deadline and the letter’s issue date in progress', async () => {
    const [b] = await letterEvents(B);
    let progress: any;
    for (let i = 0; i < 50; i++) {
      progress = (await t.http().get(`/v1/candidates/${B}/progress`).set('authorization', tok.admin).set('x-min-position', String(b.globalPosition)).expect(200)).body;
      if (progress.letters.length) break;
    }
    expect(progress.letters).toEqual([{ juryId: jury, issuedAt: b.data.issuedAt, appealDeadline: appealDeadline(b.data.issuedAt) }]);
    expect(progress.appealDeadline).toBe(appealDeadline(b.data.issuedAt));
    const c = (await t.http().get(`/v1/candidates/${C}/progress`).set('authorization', tok.admin).expect(200)).body;
    expect([c.appealDeadline, c.letters]).toEqual([null, []]);
  });

  it('issues a revision jury’s letter the same way, and progress then shows the later deadline at the top', async () => {
    const appealId = (await post(`/v1/candidates/${B}/appeals`, 'admin', { juryId: jury, reason: 'Le candidat conteste la décision sur le bloc BC02' }).expect(201)).body.appealId;
    revision = (
      await post('/v1/juries', 'admin', {
        sessionId: s.sessionId,
        members: [
          { userId: 'pres', name: 'Paule Présidente', president: true, professional: false },
          { userId: 'pro', name: 'Pierre Pro', president: false, professional: true },
        ],
        revises: { juryId: jury, reason: 'appeal', appealId },
      }).expect(201)
    ).body.id;
    await post(`/v1/juries/${revision}/open`, 'pres').expect(201);
    await post(`/v1/juries/${revision}/decisions`, 'pres', { candidateId: B, block: 'BC02', decision: 'validated', motivation: 'Le chiffrage fourni en recours est complet et cohérent' }).expect(201);
    const seal = (await post(`/v1/juries/${revision}/close`, 'pres').expect(201)).body.sealHash;
    await post(`/v1/juries/${revision}/approvals`, 'pres', { sealHash: seal }).expect(201);
    const text = (await pdfText((await binary(`/v1/juries/${revision}/letters/${B}.pdf`, 'admin').expect(200)).body)).replace(/\s+/g, ' ');
    expect(text).toContain('délibération de révision (motif : recours)');
    expect(text).toContain('Motivation du jury : Le chiffrage fourni en recours est complet et cohérent');
    expect(text).toContain(seal);
    const letters = await letterEvents(B);
    expect(letters.map((e) => e.data.juryId)).toEqual([jury, revision]);
    let progress: any;
    for (let i = 0; i < 50 && !(progress?.letters.length === 2); i++) {
      progress = (await t.http().get(`/v1/candidates/${B}/progress`).set('authorization', tok.admin).set('x-min-position', String(letters[1].globalPosition)).expect(200)).body;
    }
    expect(progress.letters.map((l: any) => l.juryId)).toEqual([jury, revision]);
    expect(progress.appealDeadline).toBe(appealDeadline(letters[1].data.issuedAt));
  });

  it('answers letters to admins and regulators only, 404 for unknown ids, 422 for a candidate the jury did not decide', async () => {
    for (const who of ['pres', 'assessor-1']) {
      await t.http().get(`/v1/juries/${jury}/letters/${B}.pdf`).set('authorization', tok[who]).expect(403);
      await t.http().get(`/v1/juries/${jury}/letters.zip`).set('authorization', tok[who]).expect(403);
      await t.http().get(`/v1/candidates/${A}/certificates/blocks.pdf`).set('authorization', tok[who]).expect(403);
    }
    await t.http().get(`/v1/juries/${jury}/letters/${B}.pdf`).expect(401);
    expect((await t.http().get(`/v1/juries/${jury}/letters/${C}.pdf`).set('authorization', tok.admin).expect(422)).body.code).toBe('NOT_DECIDED_BY_JURY');
    await t.http().get(`/v1/juries/${jury}/letters/${randomUUID()}.pdf`).set('authorization', tok.admin).expect(404);
    await t.http().get(`/v1/juries/${randomUUID()}/letters/${B}.pdf`).set('authorization', tok.admin).expect(404);
    await t.http().get(`/v1/juries/${randomUUID()}/letters.zip`).set('authorization', tok.reg).expect(404);
    expect(await letterEvents(C)).toHaveLength(0);
  });

  it('certifies the blocks in force, signed with the record key, checkable offline, the same bytes on every read', async () => {
    const res = await binary(`/v1/candidates/${A}/certificates/blocks.pdf`, 'admin').expect(200);
    if (process.env.CERTIFICATE_SAMPLE) writeFileSync(process.env.CERTIFICATE_SAMPLE, res.body);
    const text = (await pdfText(res.body)).replace(/\s+/g, ' ');
    for (const expected of ['Attestation de blocs de compétences acquis', 'CDE FEDE FRANCE', 'à Camille0 FIABLE, né(e) le 14 mars 1995', 'Manager marketing et commercial', 'RNCP00000', 'niveau 7']) expect(text).toContain(expected);
    for (const block of s.blocks) expect(text).toContain(`RNCP00000${block} — `);
    expect(text).toContain('Validé par le jury de la session « Session de fiabilité »');
    expect(text).toContain(res.headers['x-attestation-hash']);
    const signed = attestationOfPdf(res.body)!;
    expect(signed.hash).toBe(res.headers['x-attestation-hash']);
    expect(text).toContain(signed.keyFingerprint);
    const check = verifyAttestation(signed, createPublicKey(PUBLIC_KEY_PEM));
    expect(check).toMatchObject({ verified: true, errors: [] });
    expect(check.content).toMatchObject({
      format: 'cert-blocks-attestation/1',
      holder: { candidateId: A, givenName: 'Camille0', familyName: 'Fiable', birthDate: '1995-03-14' },
      certifications: [{ code: 'RNCP00000', level: 7, blocks: s.blocks.map((block) => ({ block, rncpCode: `RNCP00000${block}`, juryId: jury, recordSealHash: sealHash, validUntil: null })) }],
    });
    const again = await binary(`/v1/candidates/${A}/certificates/blocks.pdf`, 'admin').expect(200);
    expect(Buffer.compare(again.body, res.body)).toBe(0);

    // The CLI verb: exit 0 on the certificate, 1 once one byte of the attested content changed, 1 with another pinned key.
    const file = join(keyDir, 'blocks.pdf');
    const pem = join(keyDir, 'certifier.pem');
    writeFileSync(file, res.body);
    writeFileSync(pem, PUBLIC_KEY_PEM);
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await verifyCertificate({ values: { key: pem }, positionals: [file] })).toBe(0);
      const tampered = Buffer.from(res.body);
      const at = tampered.indexOf(Buffer.from(signed.canonical, 'utf8').toString('base64')) + 40;
      expect(at).toBeGreaterThan(40);
      tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41;
      writeFileSync(file, tampered);
      expect(await verifyCertificate({ values: {}, positionals: [file] })).toBe(1);
      writeFileSync(file, res.body);
      const other = join(keyDir, 'other.pem');
      writeFileSync(other, createPublicKey(generateKeyPairSync('ed25519').privateKey).export({ type: 'spki', format: 'pem' }).toString());
      expect(await verifyCertificate({ values: { key: other }, positionals: [file] })).toBe(1);
    } finally {
      out.mockRestore();
    }
  });

  it('certifies B’s blocks as the revision left them, and shows a regulator the pseudonym; C has nothing to attest', async () => {
    const res = await binary(`/v1/candidates/${B}/certificates/blocks.pdf`, 'reg').expect(200);
    const text = (await pdfText(res.body)).replace(/\s+/g, ' ');
    expect(text).toMatch(/au candidat C-[0-9A-F]{16}/);
    expect(text).not.toContain('Camille1');
    const check = verifyAttestation(attestationOfPdf(res.body));
    expect(check.verified).toBe(true);
    // BC01 validated by the session's jury, BC02 by the revision that answered the appeal; BC03 and BC04 never validated.
    expect((check.content as any).certifications[0].blocks.map((b: any) => [b.block, b.juryId])).toEqual([
      ['BC01', jury],
      ['BC02', revision],
    ]);
    expect((check.content as any).holder).toEqual({ candidateId: B, pseudonym: expect.stringMatching(/^C-[0-9A-F]{16}$/) });
    expect((await t.http().get(`/v1/candidates/${C}/certificates/blocks.pdf`).set('authorization', tok.admin).expect(422)).body.code).toBe('NO_BLOCK_IN_FORCE');
    await t.http().get(`/v1/candidates/${randomUUID()}/certificates/blocks.pdf`).set('authorization', tok.admin).expect(404);
  });
});
