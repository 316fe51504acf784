import { createHash, createPublicKey, generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { EventStore } from '@app/event-store/event-store';
import { canonicalize } from '@app/proof/canonical';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { PersonalDataVault } from '@app/platform/personal-data/vault';
import { fold } from '@app/domain/shared/decider';
import { asRecorded } from '@app/platform/commands/command-runner';
import { jurySpec } from '@app/domain/jury/jury';
import { recordContent, rollOf, SEAL_FORMAT, SEAL_FORMAT_V2 } from '@app/domain/jury/seal';
import { closingFromOutcomes } from '@app/domain/jury/closing';
import { candidateView } from '@app/domain/jury/views';
import { candidateSpec } from '@app/domain/candidate/candidate';
import { ReferentialDocument } from '@app/domain/referential/referential';
import { sealHashOf, signSeal } from '../../apps/api/src/juries/jury-seal';
import { startTestApp, TestApp } from '../support/app';
import { collectBuffer, pdfText } from '../support/pdf';

const doc: ReferentialDocument = {
  code: 'RNCP99999',
  title: 'Responsable de projet',
  certifier: 'Certificateur',
  validationRule: 'all-criteria',
  blocks: [
    { code: 'BC01', title: 'Cadrer le projet', competences: [{ code: 'C1', title: 'Cadrer', criteria: [{ code: 'CE1.1', text: 'Note de cadrage', core: true }] }] },
    { code: 'BC02', title: 'Piloter le projet', competences: [{ code: 'C2', title: 'Piloter', criteria: [{ code: 'CE2.1', text: 'Planning', core: true }] }] },
  ],
};
const { privateKey } = generateKeyPairSync('ed25519');
const SIGNING_KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_KEY = createPublicKey(privateKey);

/**
 * The jury record lists every candidate enrolled in the session for the
 * blocks the jury deliberates, undecided ones included, and the seal (format 3)
 * covers that whole roll: a candidate left out of the record changes the hash.
 */
describe('jury record: the seal covers every enrolled candidate (format 3)', () => {
  let t: TestApp;
  let store: EventStore;
  const tok: Record<string, string> = {};
  const REF = randomUUID();
  const SESSION = randomUUID();
  const OTHER = randomUUID();
  const X = randomUUID(); // BC01 validated, BC02 not deliberated
  const Y = randomUUID(); // enrolled, never deliberated
  const Z = randomUUID(); // enrolled in another session
  const LATE = randomUUID(); // enrolled in the session after the closing
  const members = [
    { userId: 'pres', name: 'Paule Présidente', president: true, professional: false },
    { userId: 'pro', name: 'Pierre Pro', president: false, professional: true },
  ];
  let jury: string;
  let sealHash: string;
  let signature: string;

  const append = async (streamId: string, type: string, data: object) => {
    const version = await store.streamVersion(streamId);
    return store.append(streamId, [{ type, data, metadata: { actor: { id: 'seed', role: 'admin' }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() } }], { expectedVersion: version });
  };
  const streamEvents = async (streamId: string) => (await store.readStream(streamId)).map(asRecorded);
  const post = (path: string, who: string, body: object = {}) => t.http().post(path).set('authorization', tok[who]).send(body);
  const get = (path: string, who: string) => t.http().get(path).set('authorization', tok[who]);
  const seedCandidate = async (id: string, given: string, family: string, sessionId: string, blocks: string[]) => {
    const identity = await t.app.get(PersonalDataVault).seal(id, { givenName: given, familyName: family, birthDate: '1991-05-06', email: `${id}@example.org` });
    await append(`candidate-${id}`, 'CandidateRegistered', { candidateId: id, identity, accessRoute: 'continuing-education' });
    await append(`candidate-${id}`, 'CandidateEnrolled', { candidateId: id, sessionId, referentialId: REF, blocks });
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { SIGNING_KEY_PEM } });
    store = t.app.get(EVENT_STORE);
    for (const [sub, roles, name] of [
      ['admin', ['admin'], 'Adèle Admin'],
      ['pres', ['jury'], 'Paule Présidente'],
      ['reg', ['regulator'], 'Régis Régulateur'],
    ] as Array<[string, string[], string]>) {
      tok[sub] = `Bearer ${await t.token(sub, roles as never, name)}`;
    }
    await append(`referential-${REF}`, 'ReferentialDrafted', { referentialId: REF, version: 1, document: doc });
    await append(`referential-${REF}`, 'ReferentialPublished', { referentialId: REF, code: doc.code, version: 1 });
    await append(`session-${SESSION}`, 'SessionOpened', { sessionId: SESSION, referentialId: REF, title: 'Session de septembre 2026', startsOn: '2026-09-01', endsOn: '2026-09-30' });
    await append(`session-${OTHER}`, 'SessionOpened', { sessionId: OTHER, referentialId: REF, title: 'Autre session', startsOn: '2026-10-01', endsOn: '2026-10-30' });
    await seedCandidate(X, 'Xavier', 'Lambert', SESSION, ['BC01', 'BC02']);
    await seedCandidate(Y, 'Yasmine', 'Fontaine', SESSION, ['BC01']);
    await seedCandidate(Z, 'Zoé', 'Garnier', OTHER, ['BC01']);
    await append(`candidate-${X}`, 'CriterionScored', { candidateId: X, sessionId: SESSION, block: 'BC01', criterion: 'CE1.1', result: 'acquired' });
    jury = (await post('/v1/juries', 'admin', { sessionId: SESSION, members }).expect(201)).body.id;
    await post(`/v1/juries/${jury}/open`, 'pres').expect(201);
    await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: X, block: 'BC01', decision: 'validated', motivation: 'Note de cadrage solide et argumentée' }).expect(201);
    const closed = await post(`/v1/juries/${jury}/close`, 'pres').expect(201);
    ({ sealHash, signature } = closed.body);
  });
  afterAll(async () => t?.close());

  it('lists every enrolled candidate and block, undecided ones as not deliberated, and the seal covers that roll', async () => {
    const record = (await get(`/v1/juries/${jury}/record`, 'admin').expect(200)).body;
    const blocks = Object.fromEntries(record.candidates.map((c: any) => [c.candidateId, c.blocks.map((b: any) => [b.block, b.decision])]));
    expect(blocks).toEqual({ [X]: [['BC01', 'validated'], ['BC02', null]], [Y]: [['BC01', null]] });
    expect(record.sealVerification).toMatchObject({ intact: true, signatureValid: true, contentHash: sealHash, content: { format: 'cert-jury-record/3' } });
    expect(record.sealVerification.content.roll).toEqual([
      { candidateId: X, blocks: ['BC01', 'BC02'] },
      { candidateId: Y, blocks: ['BC01'] },
    ].sort((a, b) => (a.candidateId < b.candidateId ? -1 : 1)));
  });

  it('anyone can recompute the format 3 hash from the log; leaving a candidate out changes it', async () => {
    const juryState = fold(jurySpec, await streamEvents(`jury-${jury}`));
    const views: Record<string, any> = {};
    for (const id of [X, Y, Z]) views[id] = candidateView(fold(candidateSpec, await streamEvents(`candidate-${id}`)));
    const enrolled = Object.fromEntries(Object.entries(views).filter(([, v]) => v.enrolments[SESSION]));
    const outcomes = Object.fromEntries(Object.entries(views).map(([id, v]) => [id, v.outcome]));
    const referential = { id: REF, code: doc.code, version: 1 };
    const closedAt = juryState.seal!.closedAt;
    const content = recordContent(juryState, referential, {}, closedAt, closingFromOutcomes(jury, outcomes), SEAL_FORMAT, rollOf(juryState, enrolled));
    const hash = createHash('sha256').update(canonicalize(content), 'utf8').digest('hex');
    expect(hash).toBe(sealHash);
    expect(verify(null, Buffer.from(canonicalize({ format: 'cert-jury-record/3', juryId: jury, sealHash }), 'utf8'), PUBLIC_KEY, Buffer.from(signature, 'base64'))).toBe(true);
    // The same content without Y (enrolled, never deliberated): another hash.
    const { [Y]: _dropped, ...withoutY } = enrolled;
    expect(sealHashOf(recordContent(juryState, referential, {}, closedAt, closingFromOutcomes(jury, outcomes), SEAL_FORMAT, rollOf(juryState, withoutY)))).not.toBe(sealHash);
    // Nor may a block be left out of the roll.
    const fewerBlocks = { ...enrolled, [X]: { ...enrolled[X], enrolments: { [SESSION]: { referentialId: REF, blocks: ['BC01'] } } } };
    expect(sealHashOf(recordContent(juryState, referential, {}, closedAt, closingFromOutcomes(jury, outcomes), SEAL_FORMAT, rollOf(juryState, fewerBlocks)))).not.toBe(sealHash);
  });

  it('keeps the roll of the closing: a candidate enrolled afterwards changes neither the record nor its seal', async () => {
    const before = (await get(`/v1/juries/${jury}/record`, 'admin').expect(200)).text;
    await seedCandidate(LATE, 'Lucas', 'Tardif', SESSION, ['BC01']);
    // Another block enrolled later for Y does not reach the closed record either.
    await append(`candidate-${Y}`, 'CandidateEnrolled', { candidateId: Y, sessionId: SESSION, referentialId: REF, blocks: ['BC01', 'BC02'] });
    const after = await get(`/v1/juries/${jury}/record`, 'admin').expect(200);
    expect(after.text).toBe(before);
    expect(after.body.sealVerification.intact).toBe(true);
    expect(after.body.candidates.map((c: any) => c.candidateId)).not.toContain(LATE);
  });

  it('a record sealed in format 2 (what the jury did only) still verifies as it was sealed', async () => {
    const old = randomUUID();
    const closedAt = '2026-03-31T16:00:00.000Z';
    const seeded = [
      { type: 'JuryConvened', data: { juryId: old, sessionId: OTHER, referentialId: REF, members } },
      { type: 'DeliberationOpened', data: { juryId: old } },
      { type: 'BlockDecided', data: { juryId: old, candidateId: Z, block: 'BC01', decision: 'not-validated', proposal: 'incomplete' } },
    ];
    const content = recordContent(fold(jurySpec, seeded), { id: REF, code: doc.code, version: 1 }, {}, closedAt, { awards: [], withdrawals: [] }, SEAL_FORMAT_V2);
    const hash = sealHashOf(content);
    const keyFingerprint = (await get(`/v1/juries/${jury}/record`, 'admin').expect(200)).body.keyFingerprint;
    for (const e of seeded) await append(`jury-${old}`, e.type, e.data);
    await append(`jury-${old}`, 'DeliberationClosed', { juryId: old, sealHash: hash, signature: signSeal(old, hash, privateKey, SEAL_FORMAT_V2), keyFingerprint, closedAt });
    const record = (await get(`/v1/juries/${old}/record`, 'admin').expect(200)).body;
    expect(record.sealVerification).toMatchObject({ intact: true, signatureValid: true, contentHash: hash, content: { format: 'cert-jury-record/2' } });
    expect(record.sealVerification.content.roll).toBeUndefined();
    const pdf = (await get(`/v1/juries/${old}/record.pdf`, 'admin').buffer(true).parse(collectBuffer).expect(200)).body as Buffer;
    expect((await pdfText(pdf)).replace(/\s+/g, ' ')).toContain('Le sceau (format cert-jury-record/2, antérieur) couvre les actes du jury');
    // Tampering is still seen: a stored seal that matches no format is not intact.
    const forged = randomUUID();
    for (const e of seeded) await append(`jury-${forged}`, e.type, { ...e.data, juryId: forged });
    await append(`jury-${forged}`, 'DeliberationClosed', { juryId: forged, sealHash: hash, signature: signSeal(forged, hash, privateKey, SEAL_FORMAT_V2), keyFingerprint, closedAt });
    expect((await get(`/v1/juries/${forged}/record`, 'admin').expect(200)).body.sealVerification).toMatchObject({ intact: false, content: { format: 'cert-jury-record/3' } });
  });

  it('the PDF says "non délibéré" for every block without a decision, for regulators too (pseudonyms)', async () => {
    for (const who of ['admin', 'reg']) {
      const res = await get(`/v1/juries/${jury}/record.pdf`, who).buffer(true).parse(collectBuffer).expect(200);
      const pdf = res.body as Buffer;
      if (process.env.RECORD_PDF_OUT) writeFileSync(`${process.env.RECORD_PDF_OUT}-${who}.pdf`, pdf);
      const text = (await pdfText(pdf)).replace(/\s+/g, ' ');
      expect(text).toContain('non délibéré');
      expect(text).toContain('Le sceau (format cert-jury-record/3) couvre la liste complète : 2 candidats et leurs blocs, délibérés ou non.');
      if (who === 'admin') {
        expect(text).toMatch(/Yasmine Fontaine — non délibéré/);
        expect(text).toMatch(/Xavier Lambert — bloc validé : BC01 \(non délibéré : BC02\)/);
        expect(text).not.toContain('Zoé Garnier');
      } else {
        expect(text).not.toMatch(/Yasmine|Fontaine|Xavier|Lambert/);
      }
    }
  });
});
