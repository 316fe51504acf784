import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventStore } from '@app/event-store/event-store';
import { loadOperationsConfig } from '@app/platform/operations.config';
import { PersonalDataVault } from '@app/platform/personal-data/vault';
import { AccrochageExporter } from '../../apps/api/src/exports/accrochage/accrochage-exporter';
import { XsdValidator } from '../../apps/api/src/exports/accrochage/xsd-validator';
import { startTestApp, TestApp } from '../support/app';
import { parseXml, XmlElement } from '../support/xml';

/**
 * The round trip with the CDC, over HTTP: candidates registered with the
 * identity the flux needs, awards of sealed deliberations (hand-built in the
 * shapes of the closing: CertificationAwarded with DeliberationClosed,
 * CertificationWithdrawn for a revision), export validated against the test
 * schema, the processing report imported, the rejected passage sent again
 * alone, the withdrawal declared as a deletion.
 */
const fixtures = join(__dirname, '..', 'fixtures');
const XSD = join(fixtures, 'cdc-accrochage-actions.xsd');
const meta = () => ({ actor: { id: 'admin-1', role: 'admin' }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() });
const today = new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const local = (n: string) => n.replace(/^cpf:/, '');
const find = (el: XmlElement, name: string): XmlElement[] => [...(local(el.name) === name ? [el] : []), ...el.children.flatMap((c) => find(c, name))];
const field = (el: XmlElement, name: string) => find(el, name)[0]?.text;
const passages = (xml: string) => find(parseXml(xml), 'passageCertification');
const ids = (xml: string) => passages(xml).map((p) => field(p, 'idTechnique'));

function report(fluxId: string, outcomes: Array<[idTechnique: string, accepted: boolean, reason?: string]>): string {
  const lines = outcomes.map(([id, ok, reason]) => `    <passage><idTechnique>${id}</idTechnique><statut>${ok ? 'ACCEPTE' : 'REJETE'}</statut>${reason ? `<motif>${reason}</motif>` : ''}</passage>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<compteRenduTraitement>\n  <idFlux>${fluxId}</idFlux>\n  <passages>\n${lines.join('\n')}\n  </passages>\n</compteRenduTraitement>\n`;
}

describe('CDC accrochage: flux, processing report, status, withdrawals', () => {
  let t: TestApp;
  let store: EventStore;
  let admin: string;
  let regulator: string;
  const schema = XsdValidator.fromFile(XSD);

  async function register(body: Record<string, unknown>): Promise<string> {
    const res = await t.http().post('/v1/candidates').set('Authorization', `Bearer ${admin}`).send(body).expect(201);
    return res.body.id;
  }
  /**
   * The closing of a deliberation as the jury writes it: the award in the same append as DeliberationClosed (or left open),
   * then the president's approval of the sealed record (or not yet).
   */
  async function award(candidateId: string, awardedOn: string, sealed = true, approved = sealed): Promise<{ awardEventId: string; juryId: string }> {
    const juryId = randomUUID();
    const awardEventId = randomUUID();
    const version = await store.streamVersion(`candidate-${candidateId}`);
    await store.appendMany([
      ...(sealed ? [{ streamId: `jury-${juryId}`, expectedVersion: 'no-stream' as const, events: [{ type: 'DeliberationClosed', data: { juryId, sealHash: 'h', signature: 's', keyFingerprint: 'k', closedAt: new Date().toISOString() }, metadata: meta() }] }] : []),
      {
        streamId: `candidate-${candidateId}`,
        expectedVersion: version,
        events: [{ eventId: awardEventId, type: 'CertificationAwarded', data: { candidateId, certificationCode: 'RNCP38000', referentialId: randomUUID(), juryId, blocks: [], awardedOn }, metadata: meta() }],
      },
    ]);
    if (approved) await approve(juryId);
    return { awardEventId, juryId };
  }
  async function approve(juryId: string): Promise<void> {
    await store.append(`jury-${juryId}`, [{ type: 'RecordApproved', data: { juryId, memberId: 'pres', sealHash: 'h', president: true, at: new Date().toISOString() }, metadata: meta() }], { expectedVersion: 'any' });
  }
  const exportFlux = () => t.http().get(`/v1/exports/accrochage?to=${today}`).set('Authorization', `Bearer ${admin}`);
  const importReport = (xml: string) => t.http().post('/v1/exports/accrochage/reports').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/xml').send(xml);
  const status = async (token = admin) => (await t.http().get(`/v1/exports/accrochage/status?from=${daysAgo(120)}&to=${today}`).set('Authorization', `Bearer ${token}`).expect(200)).body.items as any[];

  beforeAll(async () => {
    t = await startTestApp({ env: { CDC_EMITTER_ID: 'EMT00001', CDC_CONTRACT_ID: 'MCFCER000042', ACCROCHAGE_DEADLINE_WARNING_DAYS: '30', CDC_XSD_FILE: XSD } });
    store = t.app.get('EVENT_STORE');
    admin = await t.token('admin-1', ['admin']);
    regulator = await t.token('reg-1', ['regulator']);
  });
  afterAll(async () => t?.close());

  it('keeps each route to its roles and refuses bad input', async () => {
    await t.http().get('/v1/exports/accrochage').expect(401);
    await t.http().get('/v1/exports/accrochage').set('Authorization', `Bearer ${regulator}`).expect(403);
    await t.http().post('/v1/exports/accrochage/reports').set('Authorization', `Bearer ${regulator}`).set('Content-Type', 'application/xml').send('<r/>').expect(403);
    await t.http().get('/v1/exports/accrochage/status').set('Authorization', `Bearer ${await t.token('a', ['assessor'])}`).expect(403);
    await t.http().get('/v1/exports/accrochage?from=2025-13-01').set('Authorization', `Bearer ${admin}`).expect(400);
    await t.http().get('/v1/exports/accrochage/status?from=2025-02-30x').set('Authorization', `Bearer ${admin}`).expect(400);
    expect((await importReport('<not xml').expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await importReport('<r><x/></r>').expect(400)).body.message).toMatch(/names no passage/);
    expect((await importReport(report(randomUUID(), [[randomUUID(), true]])).expect(422)).body.code).toBe('REPORT_MATCHES_NO_DECLARATION');
  });

  it('registration records what the flux needs, and refuses what does not fit', async () => {
    const base = { givenName: 'A', familyName: 'B', birthDate: '1990-01-01', email: 'a@example.org' };
    const refuse = async (body: Record<string, unknown>, field: string) => expect((await t.http().post('/v1/candidates').set('Authorization', `Bearer ${admin}`).send(body).expect(400)).body.message).toContain(field);
    await refuse({ ...base, accessRoute: 'apprenticeship', accessModality: 'professionalisation-contract' }, 'accessModality');
    await refuse({ ...base, accessRoute: 'apprenticeship', vaeRoute: 'vae-leave' }, 'vaeRoute');
    await refuse({ ...base, accessRoute: 'vae', usageName: 'x'.repeat(61) }, 'usageName');
    await refuse({ ...base, accessRoute: 'vae', birthCountryCode: 'Spain' }, 'birthCountryCode');
    await refuse({ ...base, accessRoute: 'vae', nickname: 'x' }, 'nickname');
  });

  it('round trip: export → report with one passage rejected → correction → the next export sends that one only; a withdrawal is declared as a deletion', async () => {
    const zoe = await register({ givenName: 'Zoé Marie', familyName: "L'Hôte", usageName: 'Martin', birthDate: '1999-07-04', email: 'zoe@example.org', accessRoute: 'vae', vaeRoute: 'vae-leave', sex: 'F', birthPlaceCode: '75056', birthPlaceName: 'Paris' });
    const lucia = await register({ givenName: 'Lucía', familyName: 'García', birthDate: '1988-12-31', email: 'lucia@example.org', accessRoute: 'apprenticeship', sex: 'F', birthPlaceCode: '99134', birthCountryCode: 'ESP', birthCountryName: 'Espagne' });
    const paul = await register({ givenName: 'Paul', familyName: 'Partiel', birthDate: '1990-01-01', email: 'p@example.org', accessRoute: 'independent' });
    const noe = await register({ givenName: 'Noé', familyName: 'Ouvert', birthDate: '2001-02-03', email: 'n@example.org', accessRoute: 'continuing-education', accessModality: 'professionalisation-contract', sex: 'M', birthPlaceCode: '13055' });
    const zoeAward = await award(zoe, daysAgo(80));
    const luciaAward = await award(lucia, daysAgo(10));
    await award(paul, daysAgo(5));
    const open = await award(noe, daysAgo(3), false);
    const awaiting = await award(noe, daysAgo(2), true, false); // sealed, the president has not approved the record yet

    // A flux that fails the certifier's schema is refused with the element named, and nothing is recorded as sent.
    const strict = new XsdValidator(readFileSync(XSD, 'utf8').replace('<xsd:element name="nomNaissance" type="cpf:name60"/>', '<xsd:element name="nomNaissance"><xsd:simpleType><xsd:restriction base="xsd:string"><xsd:maxLength value="3"/></xsd:restriction></xsd:simpleType></xsd:element>'), 'strict.xsd');
    const vault = t.app.get(PersonalDataVault);
    const strictExporter = new AccrochageExporter(t.app.get('DATABASE').pool, store, (s) => vault.open(s), { ...loadOperationsConfig(t.env).cdc, validator: strict });
    await expect(strictExporter.export({ to: today })).rejects.toMatchObject({ code: 'ACCROCHAGE_SCHEMA_INVALID', message: expect.stringContaining('<nomNaissance>') });
    const pending = (await status()).filter((s) => s.status === 'pending').map((s) => s.awardEventId);
    expect(pending).toHaveLength(3); // Zoé, Lucía, and Paul (whose identity lacks CDC fields)
    expect(pending).toEqual(expect.arrayContaining([zoeAward.awardEventId, luciaAward.awardEventId]));

    const first = await exportFlux().expect(200);
    expect(first.headers['content-type']).toMatch(/^application\/xml/);
    expect(first.headers['x-accrochage-action']).toBe('CREATION');
    expect(first.headers['x-accrochage-declared']).toBe('2');
    expect(first.headers['x-accrochage-not-exportable']).toBe('1');
    expect(first.headers['x-accrochage-not-sealed']).toBe('1');
    expect(first.headers['x-accrochage-awaiting-approval']).toBe('1');
    expect(first.headers.warning).toMatch(/wait for the jury president's approval/);
    expect(first.text).not.toContain(awaiting.awardEventId);
    expect(first.headers.warning).toMatch(/cannot be exported/);
    expect(await schema.validate(first.text)).toEqual([]);
    expect(first.text).toContain('<cpf:flux xmlns:cpf="urn:cdc:cpf:pc5:schema:1.0.0"');
    expect(field(parseXml(first.text), 'horodatage')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[12]:00$/);
    expect(ids(first.text).sort()).toEqual([zoeAward.awardEventId, luciaAward.awardEventId].sort());
    expect(first.text).not.toContain('Partiel');
    expect(first.text).not.toContain(open.awardEventId);
    const [zp] = passages(first.text).filter((p) => field(p, 'idTechnique') === zoeAward.awardEventId);
    expect([field(zp, 'modaliteAcces'), field(zp, 'voieAccesVAE')]).toEqual(['VAE', 'CONGES_VAE']);
    expect([field(zp, 'nomNaissance'), field(zp, 'nomUsage'), field(zp, 'prenom1'), field(zp, 'prenom2'), field(zp, 'codeInsee'), field(zp, 'libelleCommuneNaissance')]).toEqual(["L'Hôte", 'Martin', 'Zoé', 'Marie', '75056', 'Paris']);
    const [lp] = passages(first.text).filter((p) => field(p, 'idTechnique') === luciaAward.awardEventId);
    expect(find(lp, 'nomUsage')[0].attrs['xsi:nil']).toBe('true');
    expect(find(lp, 'prenom2')).toEqual([]);
    expect([field(lp, 'codeInsee'), field(lp, 'codePaysNaissance'), field(lp, 'libellePaysNaissance'), field(lp, 'modaliteAcces')]).toEqual(['99134', 'ESP', 'Espagne', 'FORMATION_INITIALE_APPRENTISSAGE']);
    const fluxId = first.headers['x-accrochage-flux-id'];
    expect(field(parseXml(first.text), 'idFlux')).toBe(fluxId);

    // Nothing new until the CDC answers.
    await exportFlux().expect(204);
    expect((await status()).find((s) => s.awardEventId === zoeAward.awardEventId)).toMatchObject({ status: 'declared', fluxId });

    const answer = report(fluxId, [
      [zoeAward.awardEventId, true],
      [luciaAward.awardEventId, false, 'Certification RNCP38000 absente du contrat MCFCER000042'],
    ]);
    const imported = await importReport(answer).expect(201);
    expect(imported.body).toMatchObject({ fluxId, alreadyImported: false, accepted: [zoeAward.awardEventId], rejected: [{ awardEventId: luciaAward.awardEventId, reason: 'Certification RNCP38000 absente du contrat MCFCER000042' }], unmatched: [] });
    expect(imported.body.position).toEqual(expect.any(Number));
    // What the CDC said is in the log, its free-text reason sealed under the holder's key.
    const [recorded] = await store.readStream(`accrochage-report-${imported.body.id}`);
    expect(recorded).toMatchObject({ type: 'AccrochageReportImported', data: { fluxId, results: expect.arrayContaining([{ idTechnique: zoeAward.awardEventId, status: 'accepted', reason: null }]) } });
    expect(JSON.stringify(recorded.data)).not.toContain('absente');
    expect((await importReport(answer).expect(201)).body).toMatchObject({ id: imported.body.id, alreadyImported: true, position: null });
    const asJson = await t.http().post('/v1/exports/accrochage/reports').set('Authorization', `Bearer ${admin}`).send({ xml: answer }).expect(201);
    expect(asJson.body).toMatchObject({ id: imported.body.id, alreadyImported: true });
    await t.http().post('/v1/exports/accrochage/reports').set('Authorization', `Bearer ${admin}`).send({ xml: answer, extra: 1 }).expect(400);

    const lines = await status();
    expect(lines.find((s) => s.awardEventId === zoeAward.awardEventId)).toMatchObject({ status: 'accepted', daysLeft: null });
    expect(lines.find((s) => s.awardEventId === luciaAward.awardEventId)).toMatchObject({ status: 'rejected', reason: 'Certification RNCP38000 absente du contrat MCFCER000042', daysLeft: expect.any(Number) });
    expect(lines.find((s) => s.awardEventId === open.awardEventId)).toMatchObject({ status: 'not-sealed' });
    expect(lines.find((s) => s.awardEventId === awaiting.awardEventId)).toMatchObject({ status: 'awaiting-approval' });
    const seenByRegulator = await status(regulator);
    expect(seenByRegulator.find((s) => s.awardEventId === luciaAward.awardEventId)).toMatchObject({ status: 'rejected', reason: '[hidden]' });
    expect(JSON.stringify(seenByRegulator)).not.toMatch(/García|Zoé|absente/);

    // The certifier has the contract corrected at the CDC: the next export sends the rejected passage, and it alone.
    const second = await exportFlux().expect(200);
    expect(ids(second.text)).toEqual([luciaAward.awardEventId]);
    expect(second.headers['x-accrochage-resent']).toBe('1');
    expect(await schema.validate(second.text)).toEqual([]);
    await importReport(report(second.headers['x-accrochage-flux-id'], [[luciaAward.awardEventId, true]])).expect(201);
    await exportFlux().expect(204);

    // A revision jury takes Zoé's award back: the CDC holds it, so the next flux withdraws it.
    await store.append(
      `candidate-${zoe}`,
      [{ type: 'CertificationWithdrawn', data: { candidateId: zoe, certificationCode: 'RNCP38000', awardEventId: zoeAward.awardEventId, juryId: randomUUID(), reason: 'revision' }, metadata: meta() }],
      { expectedVersion: 'any' },
    );
    const deletion = await exportFlux().expect(200);
    expect(deletion.headers['x-accrochage-action']).toBe('SUPPRESSION');
    expect(field(parseXml(deletion.text), 'action')).toBe('SUPPRESSION');
    expect(ids(deletion.text)).toEqual([zoeAward.awardEventId]);
    expect(await schema.validate(deletion.text)).toEqual([]);
    expect((await status()).find((s) => s.awardEventId === zoeAward.awardEventId)).toMatchObject({ withdrawn: true, withdrawal: { status: 'declared' } });
    await exportFlux().expect(204);

    // Where the schema version has no deletion, a withdrawal is listed for the CDC portal, not sent.
    await store.append(
      `candidate-${lucia}`,
      [{ type: 'CertificationWithdrawn', data: { candidateId: lucia, certificationCode: 'RNCP38000', awardEventId: luciaAward.awardEventId, juryId: randomUUID(), reason: 'revision' }, metadata: meta() }],
      { expectedVersion: 'any' },
    );
    const plain = new AccrochageExporter(t.app.get('DATABASE').pool, store, (s) => vault.open(s), { ...loadOperationsConfig(t.env).cdc, validator: null });
    const manual = await plain.export({ to: today });
    expect(manual.xml).toBeNull();
    expect(manual.report.manualWithdrawals.map((w) => w.awardEventId)).toEqual([luciaAward.awardEventId]);
    // Once done on the portal, the certifier records it and the award stops being listed.
    const byHand = (id: string, body: unknown = {}) => t.http().post(`/v1/exports/accrochage/withdrawals/${id}/done-by-hand`).set('Authorization', `Bearer ${admin}`).send(body as object);
    await byHand(luciaAward.awardEventId, { note: 'x' }).expect(400);
    await byHand(randomUUID()).expect(404);
    expect((await byHand(open.awardEventId).expect(422)).body.code).toBe('NO_WITHDRAWAL_PENDING');
    expect((await byHand(luciaAward.awardEventId).expect(201)).body).toMatchObject({ id: luciaAward.awardEventId, position: expect.any(Number) });
    expect((await plain.export({ to: today })).report.manualWithdrawals).toEqual([]);
    expect((await status()).find((s) => s.awardEventId === luciaAward.awardEventId)).toMatchObject({ withdrawn: true, withdrawal: { status: 'accepted', byHand: true } });
    await byHand(luciaAward.awardEventId).expect(422);

    // The president approves the sealed record: its award is final, and declared with the next flux.
    await approve(awaiting.juryId);
    const released = await exportFlux().expect(200);
    expect(ids(released.text)).toEqual([awaiting.awardEventId]);
    expect(released.headers['x-accrochage-awaiting-approval']).toBe('0');
  });
});
