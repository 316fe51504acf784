import { randomUUID } from 'node:crypto';
import { isRevoked } from '@app/domain/credentials/open-badge';
import { EventStore } from '@app/event-store/event-store';
import { startTestApp, TestApp } from '../support/app';

const meta = () => ({ actor: { id: 'jury-1', role: 'jury' }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() });
const block = (code: string) => ({
  code,
  title: `Bloc ${code}`,
  competences: [{ code: `C${code}`, title: `Compétence de ${code}`, criteria: [{ code: `CE${code}.1`, text: 't', core: true }] }],
  modalities: [{ code: `M${code}`, title: `Étude de cas ${code}`, work: 'individual', production: ['written'], competences: [`C${code}`] }],
});

describe('Open Badges credentials over HTTP', () => {
  let t: TestApp;
  let store: EventStore;
  let admin: string;
  const candidateId = randomUUID();
  const referentialId = randomUUID();
  const sessionId = randomUUID();
  const juryId = randomUUID();
  const revisionJuryId = randomUUID();
  const awardEventId = randomUUID();
  const stream = `candidate-${candidateId}`;

  async function decide(b: string, decision: string, revision = false) {
    const eventId = randomUUID();
    await store.append(stream, [{ eventId, type: 'BlockDecisionRecorded', data: { candidateId, juryId, sessionId, block: b, decision, revision }, metadata: meta() }], { expectedVersion: 'any' });
    return eventId;
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { PUBLIC_BASE_URL: 'https://cert.example' } });
    store = t.app.get('EVENT_STORE');
    admin = await t.token('admin-1', ['admin']);
    const document = { code: 'RNCP38000', title: 'Manager marketing et commercial', level: 7, certifier: 'CDE FEDE FRANCE', validationRule: 'all-criteria', blocks: [block('BC01'), block('BC02')] };
    await store.append(`referential-${referentialId}`, [
      { type: 'ReferentialDrafted', data: { referentialId, version: 1, document }, metadata: meta() },
      { type: 'ReferentialPublished', data: { referentialId, code: 'RNCP38000', version: 1 }, metadata: meta() },
    ], { expectedVersion: 'no-stream' });
    await store.append(stream, [
      { type: 'CandidateRegistered', data: { candidateId, identity: { alg: 'A256GCM', kid: candidateId, iv: '', ct: '', tag: '' }, accessRoute: 'vae' }, metadata: meta() },
      { type: 'CandidateEnrolled', data: { candidateId, sessionId, referentialId, blocks: ['BC01', 'BC02'] }, metadata: meta() },
    ], { expectedVersion: 'no-stream' });
    // The jury of the session: its members read the candidate's credentials, other jury users do not (docs/security.md).
    await store.append(`jury-${juryId}`, [
      { type: 'JuryConvened', data: { juryId, sessionId, referentialId, members: [{ userId: 'jury-1', name: 'Paule', president: true, professional: true }] }, metadata: meta() },
    ], { expectedVersion: 'no-stream' });
    await decide('BC01', 'validated');
    await decide('BC02', 'validated');
    await store.append(stream, [{ eventId: awardEventId, type: 'CertificationAwarded', data: { candidateId, certificationCode: 'RNCP38000', referentialId, juryId, blocks: [{ block: 'BC01', juryId }, { block: 'BC02', juryId }], awardedOn: '2025-06-30' }, metadata: meta() }], { expectedVersion: 'any' });
    // Credentials are issued at the seal: nothing stands on a record that is not sealed, nor on one the president has not approved.
    const waiting = await get(`/v1/candidates/${candidateId}/credentials`);
    expect([waiting.body, waiting.headers['x-credentials-withheld']]).toEqual([[], '3']);
    expect(waiting.headers.warning).toMatch(new RegExp(`jury ${juryId}: deliberation not sealed`));
    await seal(juryId);
    const sealedOnly = await get(`/v1/candidates/${candidateId}/credentials`);
    expect([sealedOnly.body, sealedOnly.headers['x-credentials-withheld']]).toEqual([[], '3']);
    expect(sealedOnly.headers.warning).toMatch(/sealed record awaiting the president approval/);
    await approve(juryId);
  });

  /** The closing of a deliberation, as the jury writes it, and the president's approval of the sealed record. */
  async function seal(id: string) {
    await store.append(`jury-${id}`, [{ type: 'DeliberationClosed', data: { juryId: id, sealHash: 'h', signature: 's', keyFingerprint: 'k', closedAt: new Date().toISOString() }, metadata: meta() }], { expectedVersion: 'any' });
  }
  async function approve(id: string) {
    await store.append(`jury-${id}`, [{ type: 'RecordApproved', data: { juryId: id, memberId: 'jury-1', sealHash: 'h', president: true, at: new Date().toISOString() }, metadata: meta() }], { expectedVersion: 'any' });
  }
  afterAll(async () => t?.close());

  const get = async (path: string, roles: Array<'admin' | 'jury' | 'regulator' | 'assessor'> = ['admin']) =>
    t.http().get(path).set('Authorization', `Bearer ${roles[0] === 'admin' ? admin : await t.token('u', roles)}`);
  const verify = async (credential: unknown) => (await t.http().post('/v1/credentials/verify').set('Authorization', `Bearer ${await t.token('v', ['assessor'])}`).send(credential as object).expect(200)).body;

  it('answers one credential per validated block and per award, the same on every call, to admin, jury and regulator only', async () => {
    const res = await get(`/v1/candidates/${candidateId}/credentials`).then((r) => r);
    expect(res.status).toBe(200);
    expect([res.headers['x-credentials-withheld'], res.headers.warning]).toEqual(['0', undefined]);
    expect(res.body.map((c: any) => c.credentialSubject.achievement.humanCode).sort()).toEqual(['RNCP38000', 'RNCP38000BC01', 'RNCP38000BC02']);
    for (const c of res.body) {
      expect(c.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
      expect(c.issuer).toMatchObject({ id: expect.stringMatching(/^did:key:z6Mk/), name: 'CDE FEDE FRANCE' });
      expect(c.credentialSubject.id).toBe(`urn:uuid:${candidateId}`);
      expect(c.credentialStatus.statusListCredential).toBe('https://cert.example/v1/credentials/status');
      expect(c.proof.cryptosuite).toBe('eddsa-jcs-2022');
      expect(JSON.stringify(c)).not.toMatch(/A256GCM/);
    }
    const again = await get(`/v1/candidates/${candidateId}/credentials`, ['regulator']);
    expect(again.body).toEqual(res.body);
    expect((await get(`/v1/candidates/${candidateId}/credentials`, ['jury'])).status).toBe(403); // 'u' sits on no jury of the candidate's session
    const member = await t.token('jury-1', ['jury']);
    expect((await t.http().get(`/v1/candidates/${candidateId}/credentials`).set('Authorization', `Bearer ${member}`)).status).toBe(200);
    expect((await get(`/v1/candidates/${candidateId}/credentials`, ['assessor'])).status).toBe(403);
    expect((await get(`/v1/candidates/not-a-uuid/credentials`)).status).toBe(400);
    expect((await get(`/v1/candidates/${randomUUID()}/credentials`)).status).toBe(404);
  });

  it('verifies an issued credential and refuses a tampered one', async () => {
    const [credential] = (await get(`/v1/candidates/${candidateId}/credentials`)).body;
    expect(await verify(credential)).toEqual({ verified: true, checks: { proof: 'valid', issuer: 'this-certifier', status: 'active', validity: 'current' }, errors: [] });
    const tampered = { ...credential, credentialSubject: { ...credential.credentialSubject, id: `urn:uuid:${randomUUID()}` } };
    const result = await verify(tampered);
    expect(result.verified).toBe(false);
    expect(result.checks.proof).toBe('invalid');
    await t.http().post('/v1/credentials/verify').send(credential).expect(401);
  });

  it('revokes the block credential when a revision takes the block back, the certification one when the award is withdrawn', async () => {
    const before = (await get(`/v1/candidates/${candidateId}/credentials`)).body;
    const bc01 = before.find((c: any) => c.credentialSubject.achievement.humanCode === 'RNCP38000BC01');
    const cert = before.find((c: any) => c.credentialSubject.achievement.humanCode === 'RNCP38000');
    const bc02 = before.find((c: any) => c.credentialSubject.achievement.humanCode === 'RNCP38000BC02');
    await decide('BC01', 'not-validated', true);

    // The award stands until the revision's closing withdraws it: the certification badge agrees with progress.certified.
    const pending = (await get(`/v1/candidates/${candidateId}/credentials`)).body;
    expect(pending.map((c: any) => c.credentialSubject.achievement.humanCode).sort()).toEqual(['RNCP38000', 'RNCP38000BC02']);
    expect((await verify(cert)).checks.status).toBe('active');
    await store.append(
      stream,
      [{ type: 'CertificationWithdrawn', data: { candidateId, certificationCode: 'RNCP38000', awardEventId, juryId: revisionJuryId, reason: 'material-error' }, metadata: meta() }],
      { expectedVersion: 'any' },
    );

    const after = (await get(`/v1/candidates/${candidateId}/credentials`)).body;
    expect(after.map((c: any) => c.credentialSubject.achievement.humanCode)).toEqual(['RNCP38000BC02']);
    expect((await verify(bc01)).checks.status).toBe('revoked');
    expect((await verify(cert)).checks.status).toBe('revoked');
    expect(await verify(bc02)).toMatchObject({ verified: true });

    const list = (await get('/v1/credentials/status', ['assessor'])).body;
    expect(list.type).toEqual(['VerifiableCredential', 'BitstringStatusListCredential']);
    expect(list.proof.cryptosuite).toBe('eddsa-jcs-2022');
    const encoded = list.credentialSubject.encodedList;
    expect(isRevoked(encoded, Number(bc01.credentialStatus.statusListIndex))).toBe(true);
    expect(isRevoked(encoded, Number(cert.credentialStatus.statusListIndex))).toBe(true);
    expect(isRevoked(encoded, Number(bc02.credentialStatus.statusListIndex))).toBe(false);

    // Validated again by a later revision: a new credential, the old one stays revoked.
    await decide('BC01', 'validated', true);
    const renewed = (await get(`/v1/candidates/${candidateId}/credentials`)).body;
    const newBc01 = renewed.find((c: any) => c.credentialSubject.achievement.humanCode === 'RNCP38000BC01');
    expect(newBc01.id).not.toBe(bc01.id);
    expect(await verify(newBc01)).toMatchObject({ verified: true });
    expect((await verify(bc01)).checks.status).toBe('revoked');
    // Awarded again at that revision's closing: a new certification credential (once the revision's record is final), the withdrawn one stays revoked.
    await store.append(`jury-${revisionJuryId}`, [{ type: 'JuryConvened', data: { juryId: revisionJuryId, sessionId, referentialId, members: [{ userId: 'jury-1', name: 'Paule', president: true, professional: true }], revises: { juryId, reason: 'material-error' } }, metadata: meta() }], { expectedVersion: 'no-stream' });
    await seal(revisionJuryId);
    await approve(revisionJuryId);
    await store.append(
      stream,
      [{ type: 'CertificationAwarded', data: { candidateId, certificationCode: 'RNCP38000', referentialId, juryId: revisionJuryId, blocks: [{ block: 'BC01', juryId: revisionJuryId }, { block: 'BC02', juryId }], awardedOn: '2025-09-30' }, metadata: meta() }],
      { expectedVersion: 'any' },
    );
    const reawarded = (await get(`/v1/candidates/${candidateId}/credentials`)).body.find((c: any) => c.credentialSubject.achievement.humanCode === 'RNCP38000');
    expect(reawarded.id).not.toBe(cert.id);
    expect(await verify(reawarded)).toMatchObject({ verified: true });
    expect((await verify(cert)).checks.status).toBe('revoked');
  });
});
