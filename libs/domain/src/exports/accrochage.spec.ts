import { parseXml, XmlElement as El } from '../../../../test/support/xml';
import {
  buildAccrochageXml,
  cdcIdentifierProblems,
  daysUntilDeadline,
  declarationDeadline,
  escapeXml,
  Flux,
  modalitesFrom,
  parisTimestamp,
  Passage,
  schemaProvidesActions,
  splitGivenNames,
  titulaireFrom,
} from './accrochage';

const local = (name: string) => name.replace(/^cpf:/, '');
const child = (el: El, name: string) => {
  const found = el.children.find((c) => local(c.name) === name);
  if (!found) throw new Error(`<${el.name}> has no <${name}>`);
  return found;
};
const names = (el: El) => el.children.map((c) => local(c.name));
const find = (el: El, name: string): El[] => [...(local(el.name) === name ? [el] : []), ...el.children.flatMap((c) => find(c, name))];

const titulaire = titulaireFrom({ givenName: 'Zoé', familyName: 'Dupont', birthDate: '1999-07-04', sex: 'F', birthPlaceCode: '75056' }).titulaire!;
const passage = (over: Partial<Passage> = {}): Passage => ({
  idTechnique: '6d3c2a8e-4f0b-4c1e-9d7a-1b2c3d4e5f60',
  certificationCode: 'RNCP38000',
  awardedOn: '2025-03-14',
  validUntil: null,
  modaliteAcces: 'FORMATION_INITIALE_APPRENTISSAGE',
  titulaire,
  ...over,
});
const flux = (passages: Passage[], over: Partial<Flux> = {}): Flux => ({
  idFlux: 'f0000000-0000-4000-8000-000000000001',
  horodatage: '2025-04-01T12:00:00+02:00',
  emetteurId: 'EMT00001',
  certificateurId: 'CERT0001',
  contratId: 'CTR-42',
  passages,
  ...over,
});

describe('CDC accrochage flux', () => {
  it('puts every element in the cpf namespace, declared on the root with xsi', () => {
    const xml = buildAccrochageXml(flux([passage()]));
    expect(xml).toContain('<cpf:flux xmlns:cpf="urn:cdc:cpf:pc5:schema:1.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">');
    const all: string[] = [];
    const walk = (e: El) => (all.push(e.name), e.children.forEach(walk));
    walk(parseXml(xml));
    expect(all.every((n) => n.startsWith('cpf:'))).toBe(true);
  });

  it('writes scoring and mentionValidee nil right after presenceNiveauNumeriqueEuro', () => {
    const p = find(parseXml(buildAccrochageXml(flux([passage()]))), 'passageCertification')[0];
    expect(names(p)).toEqual([
      'idTechnique',
      'obtentionCertification',
      'donneeCertifiee',
      'dateDebutValidite',
      'dateFinValidite',
      'presenceNiveauLangueEuro',
      'presenceNiveauNumeriqueEuro',
      'scoring',
      'mentionValidee',
      'modalitesInscription',
      'identificationTitulaire',
    ]);
    for (const n of ['dateFinValidite', 'scoring', 'mentionValidee']) expect(child(p, n).attrs['xsi:nil']).toBe('true');
  });

  it('writes the flux-level action only when asked (schema versions that provide it)', () => {
    expect(names(parseXml(buildAccrochageXml(flux([passage()]))))).toEqual(['idFlux', 'horodatage', 'emetteur']);
    const root = parseXml(buildAccrochageXml(flux([passage()], { action: 'SUPPRESSION' })));
    expect(names(root)).toEqual(['idFlux', 'horodatage', 'action', 'emetteur']);
    expect(child(root, 'action').text).toBe('SUPPRESSION');
  });

  it('groups passages by certification code', () => {
    const root = parseXml(buildAccrochageXml(flux([passage(), passage({ idTechnique: 'b', certificationCode: 'RNCP1' }), passage({ idTechnique: 'c' })])));
    expect(find(root, 'certification').map((c) => [child(c, 'code').text, find(c, 'passageCertification').length])).toEqual([
      ['RNCP38000', 2],
      ['RNCP1', 1],
    ]);
  });

  it('escapes markup and drops characters XML cannot carry', () => {
    expect(escapeXml(`a<b>&"c'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    const xml = buildAccrochageXml(flux([passage({ titulaire: { ...titulaire, nomNaissance: '</cpf:nomNaissance><cpf:sexe>M</cpf:sexe>' } })]));
    expect(find(parseXml(xml), 'nomNaissance')[0].text).toBe('</cpf:nomNaissance><cpf:sexe>M</cpf:sexe>');
  });

  it('refuses identifiers the structure does not allow, and a VAE passage without its route', () => {
    expect(() => buildAccrochageXml(flux([passage()], { emetteurId: 'EMT001' }))).toThrow(/CDC_EMITTER_ID must be exactly 8 characters/);
    expect(() => buildAccrochageXml(flux([passage()], { contratId: 'C'.repeat(21) }))).toThrow(/CDC_CONTRACT_ID must be 1 to 20/);
    expect(() => buildAccrochageXml(flux([passage({ idTechnique: 'x'.repeat(256) })]))).toThrow(/idTechnique must be 1 to 255/);
    expect(() => buildAccrochageXml(flux([passage({ modaliteAcces: 'VAE' })]))).toThrow(/voieAccesVAE is required/);
    expect(() => buildAccrochageXml(flux([passage()], { horodatage: '2025-04-01T10:00:00.000Z' }))).toThrow(/horodatage/);
    expect(cdcIdentifierProblems({ emitterId: 'EMT00001', certifierId: 'CERT0001', contractId: 'C'.repeat(20) })).toEqual([]);
  });
});

describe('the holder and the access modality from the registration', () => {
  it('maps birth name, usage name and up to three given names', () => {
    const t = titulaireFrom({ givenName: 'Marie Claire', familyName: 'Lefèvre', usageName: 'Martin', birthDate: '1975-01-09', sex: 'F', birthPlaceCode: '2a004' }).titulaire!;
    expect(t).toMatchObject({ nomNaissance: 'Lefèvre', nomUsage: 'Martin', prenoms: ['Marie', 'Claire'], birthPlace: { codeInsee: '2A004' } });
    expect(titulaireFrom({ givenName: 'Zoé', familyName: 'D', birthDate: '1999-07-04', sex: 'F', birthPlaceCode: '75056' }).titulaire!.nomUsage).toBeNull();
    expect(splitGivenNames('Jean-Paul')).toEqual(['Jean-Paul']);
    expect(splitGivenNames('Anne, Marie Louise')).toEqual(['Anne', 'Marie Louise']);
    expect(splitGivenNames('A B C D')).toEqual(['A', 'B', 'C D']);
  });

  it('born abroad: the 99xxx code as codeInsee, country code and labels when registered', () => {
    expect(titulaireFrom({ givenName: 'L', familyName: 'G', birthDate: '1988-12-31', sex: 'F', birthPlaceCode: '99134', birthCountryCode: 'esp', birthCountryName: 'Espagne' }).titulaire).toMatchObject({
      birthPlace: { codeInsee: '99134' },
      codePaysNaissance: 'ESP',
      libellePaysNaissance: 'Espagne',
    });
  });

  it('names each missing field by its CDC name and never invents one; an erased identity is not exportable', () => {
    expect(titulaireFrom(null).missing).toEqual(['identity (erased)']);
    expect(titulaireFrom({ givenName: 'Jean', familyName: 'Martin', birthDate: '2000-01-02', email: 'x' })).toEqual({ missing: ['sexe', 'codeCommuneNaissance'], invalid: [] });
    expect(titulaireFrom({ givenName: 'J', familyName: 'x'.repeat(61), birthDate: '2000-01-02', sex: 'M', birthPlaceCode: '75056' }).invalid).toEqual(['nomNaissance (more than 60 characters)']);
  });

  it('refines the access route with the registration modality; VAE carries its route', () => {
    expect(modalitesFrom('continuing-education', {})).toEqual({ modaliteAcces: 'FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION' });
    expect(modalitesFrom('continuing-education', { accessModality: 'professionalisation-contract' })).toEqual({ modaliteAcces: 'FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION' });
    expect(modalitesFrom('independent', { accessModality: 'equivalence' })).toEqual({ modaliteAcces: 'EQUIVALENCE' });
    expect(modalitesFrom('vae', {})).toEqual({ modaliteAcces: 'VAE', voieAccesVAE: 'VAE_CLASSIQUE' });
    expect(modalitesFrom('vae', { vaeRoute: 'vae-leave' })).toEqual({ modaliteAcces: 'VAE', voieAccesVAE: 'CONGES_VAE' });
    expect(modalitesFrom('apprenticeship', null)).toEqual({ modaliteAcces: 'FORMATION_INITIALE_APPRENTISSAGE' });
  });
});

describe('time', () => {
  it('horodatage: Paris local time to the second with its offset, winter and summer', () => {
    expect(parisTimestamp(new Date('2022-02-01T10:43:27.987Z'))).toBe('2022-02-01T11:43:27+01:00');
    expect(parisTimestamp(new Date('2025-07-14T22:30:00Z'))).toBe('2025-07-15T00:30:00+02:00');
    expect(parisTimestamp(new Date('2025-03-30T01:00:00Z'))).toBe('2025-03-30T03:00:00+02:00'); // the spring change
  });

  it('computes the three-month deadline, end-of-month safe', () => {
    expect(declarationDeadline('2025-03-14')).toBe('2025-06-14');
    expect(declarationDeadline('2025-11-30')).toBe('2026-02-28');
    expect(daysUntilDeadline('2025-03-14', '2025-06-04')).toBe(10);
    expect(daysUntilDeadline('2025-03-14', '2025-06-20')).toBe(-6);
  });
});

describe('schema versions', () => {
  it('detects a schema that provides the action element with a deletion', () => {
    expect(schemaProvidesActions(null)).toBe(false);
    expect(schemaProvidesActions('<xsd:element name="idFlux"/>')).toBe(false);
    expect(schemaProvidesActions('<xsd:element name="action"><xsd:enumeration value="CREATION"/><xsd:enumeration value="SUPPRESSION"/></xsd:element>')).toBe(true);
  });
});
