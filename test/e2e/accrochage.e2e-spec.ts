import { randomUUID } from 'node:crypto';
import { EventStore } from '@app/event-store/event-store';
import { PersonalDataVault } from '@app/platform/personal-data/vault';
import { startTestApp, TestApp } from '../support/app';
import { findAll, parseXml } from '../support/xml';

const meta = () => ({ actor: { id: 'admin-1', role: 'admin' }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() });
const today = new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

describe('GET /v1/exports/accrochage', () => {
  let t: TestApp;
  let store: EventStore;
  let vault: PersonalDataVault;
  let admin: string;

  async function awarded(identity: Record<string, string>, accessRoute: string, awardedOn: string, erase = false): Promise<{ candidateId: string; awardEventId: string }> {
    const candidateId = randomUUID();
    const stream = `candidate-${candidateId}`;
    const sealed = await vault.seal(candidateId, identity);
    await store.append(stream, [{ type: 'CandidateRegistered', data: { candidateId, identity: sealed, accessRoute }, metadata: meta() }], { expectedVersion: 'no-stream' });
    const awardEventId = randomUUID();
    await store.append(
      stream,
      [{ eventId: awardEventId, type: 'CertificationAwarded', data: { candidateId, certificationCode: 'RNCP38000', referentialId: randomUUID(), juryId: randomUUID(), blocks: [], awardedOn }, metadata: meta() }],
      { expectedVersion: 1 },
    );
    if (erase) {
      await vault.erase(candidateId);
      await store.append(stream, [{ type: 'CandidatePersonalDataErased', data: { candidateId, reason: 'request', beforeRetentionEnd: true }, metadata: meta() }], { expectedVersion: 2 });
    }
    return { candidateId, awardEventId };
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { CDC_EMITTER_ID: 'EMT001', CDC_CONTRACT_ID: 'CTR-42', ACCROCHAGE_DEADLINE_WARNING_DAYS: '30' } });
    store = t.app.get('EVENT_STORE');
    vault = t.app.get(PersonalDataVault);
    admin = await t.token('admin-1', ['admin']);
  });
  afterAll(async () => t?.close());

  it('is admin only', async () => {
    await t.http().get('/v1/exports/accrochage').expect(401);
    await t.http().get('/v1/exports/accrochage').set('Authorization', `Bearer ${await t.token('r', ['regulator'])}`).expect(403);
    await t.http().get('/v1/exports/accrochage?from=2025-13-01').set('Authorization', `Bearer ${admin}`).expect(400);
  });

  it('declares new awards with every required field, reports erased and incomplete ones, and warns near the deadline', async () => {
    const zoe = await awarded({ givenName: 'Zoé', familyName: "L'Hôte", birthDate: '1999-07-04', email: 'zoe@example.org', sex: 'F', birthPlaceCode: '75056' }, 'vae', daysAgo(80));
    const erased = await awarded({ givenName: 'Eve', familyName: 'Gone', birthDate: '1990-01-01', email: 'e@example.org', sex: 'F', birthPlaceCode: '69123' }, 'independent', today, true);
    const incomplete = await awarded({ givenName: 'Paul', familyName: 'Partiel', birthDate: '1990-01-01', email: 'p@example.org' }, 'apprenticeship', today);

    const res = await t.http().get(`/v1/exports/accrochage?from=${daysAgo(100)}&to=${today}`).set('Authorization', `Bearer ${admin}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    expect(res.headers['x-accrochage-declared']).toBe('1');
    expect(res.headers['x-accrochage-not-exportable']).toBe('2');
    expect(res.headers.warning).toMatch(/^199 - ".*three-month declaration deadline.*cannot be exported/);
    const root = parseXml(res.text);
    expect(root.name).toBe('flux');
    expect(root.children.map((c) => c.name)).toEqual(['idFlux', 'horodatage', 'emetteur']);
    expect(findAll(root, 'idFlux')[0].text).toBe(res.headers['x-accrochage-flux-id']);
    const passages = findAll(root, 'passageCertification');
    expect(passages).toHaveLength(1);
    const field = (name: string) => findAll(passages[0], name)[0]?.text;
    expect(field('idTechnique')).toBe(zoe.awardEventId);
    expect(field('obtentionCertification')).toBe('PAR_ADMISSION');
    expect(field('modaliteAcces')).toBe('VAE');
    expect(field('nomNaissance')).toBe("L'Hôte");
    expect(field('prenom1')).toBe('Zoé');
    expect([field('anneeNaissance'), field('moisNaissance'), field('jourNaissance')]).toEqual(['1999', '07', '04']);
    expect(field('sexe')).toBe('F');
    expect(field('codeCommuneNaissance')).toBe('75056');
    expect(findAll(root, 'idContrat')[0].text).toBe('CTR-42');
    expect(findAll(root, 'code')[0].text).toBe('RNCP38000');
    // The erased and incomplete candidates are reported, never sent with made-up data.
    expect(res.text).not.toContain('Gone');
    expect(res.text).not.toContain('Partiel');
    expect(res.text).not.toContain(erased.candidateId);
    expect(res.text).not.toContain(incomplete.candidateId);
  });

  it('sends only new awards next time, and everything again with includeExported=true', async () => {
    await t.http().get(`/v1/exports/accrochage?from=${daysAgo(100)}&to=${today}`).set('Authorization', `Bearer ${admin}`).expect(204);
    const again = await t.http().get(`/v1/exports/accrochage?from=${daysAgo(100)}&to=${today}&includeExported=true`).set('Authorization', `Bearer ${admin}`).expect(200);
    expect(findAll(parseXml(again.text), 'passageCertification')).toHaveLength(1);
    const fresh = await awarded({ givenName: 'Noé', familyName: 'Neuf', birthDate: '2001-02-03', email: 'n@example.org', sex: 'M', birthPlaceCode: '13055' }, 'initial-training', today);
    const next = await t.http().get(`/v1/exports/accrochage?to=${today}`).set('Authorization', `Bearer ${admin}`).expect(200);
    const passages = findAll(parseXml(next.text), 'passageCertification');
    expect(passages.map((p) => findAll(p, 'idTechnique')[0].text)).toEqual([fresh.awardEventId]);
    const rows = (await t.app.get('DATABASE').pool.query('SELECT count(*)::int AS n FROM accrochage_exports')).rows[0].n;
    expect(rows).toBe(3); // zoé twice (two fluxes), noé once
  });

  it('preview builds the flux without recording it', async () => {
    await awarded({ givenName: 'Ana', familyName: 'Apercu', birthDate: '2001-02-03', email: 'a@example.org', sex: 'F', birthPlaceCode: '33063' }, 'continuing-education', today);
    await t.http().get(`/v1/exports/accrochage?preview=true`).set('Authorization', `Bearer ${admin}`).expect(200);
    const real = await t.http().get(`/v1/exports/accrochage`).set('Authorization', `Bearer ${admin}`).expect(200);
    expect(findAll(parseXml(real.text), 'modaliteAcces')[0].text).toBe('FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION');
  });
});
