import { parseXml, XmlElement as El } from '../../../../test/support/xml';
import { buildAccrochageXml, declarationDeadline, daysUntilDeadline, escapeXml, Flux, MODALITE_ACCES, Passage, titulaireFrom } from './accrochage';

const child = (el: El, name: string) => {
  const found = el.children.find((c) => c.name === name);
  if (!found) throw new Error(`<${el.name}> has no <${name}>`);
  return found;
};
const text = (el: El, name: string) => child(el, name).text;
const names = (el: El) => el.children.map((c) => c.name);

const passage = (over: Partial<Passage> = {}): Passage => ({
  idTechnique: '6d3c2a8e-4f0b-4c1e-9d7a-1b2c3d4e5f60',
  certificationCode: 'RNCP38000',
  awardedOn: '2025-03-14',
  validUntil: null,
  accessRoute: 'apprenticeship',
  titulaire: { nomNaissance: 'Dupont & Fils <SARL>', prenom1: 'Zoé', birthDate: '1999-07-04', sexe: 'F', codeCommuneNaissance: '75056' },
  ...over,
});
const flux = (passages: Passage[]): Flux => ({
  idFlux: 'f0000000-0000-4000-8000-000000000001',
  horodatage: '2025-04-01T10:00:00.000Z',
  emetteurId: 'EMT001',
  certificateurId: 'CERT01',
  contratId: 'CTR-42',
  passages,
});

describe('CDC accrochage flux', () => {
  it('has exactly the structure and field names of DOMAIN.md, every required field filled', () => {
    const root = parseXml(buildAccrochageXml(flux([passage()])));
    expect(root.name).toBe('flux');
    expect(names(root)).toEqual(['idFlux', 'horodatage', 'emetteur']);
    expect(text(root, 'idFlux')).toBe('f0000000-0000-4000-8000-000000000001');
    expect(text(root, 'horodatage')).toBe('2025-04-01T10:00:00.000Z');
    const emetteur = child(root, 'emetteur');
    expect(names(emetteur)).toEqual(['idClient', 'certificateurs']);
    expect(text(emetteur, 'idClient')).toBe('EMT001');
    const certificateur = child(child(emetteur, 'certificateurs'), 'certificateur');
    expect(names(certificateur)).toEqual(['idClient', 'idContrat', 'certifications']);
    expect(text(certificateur, 'idClient')).toBe('CERT01');
    expect(text(certificateur, 'idContrat')).toBe('CTR-42');
    const certification = child(child(certificateur, 'certifications'), 'certification');
    expect(names(certification)).toEqual(['type', 'code', 'natureDeposant', 'passageCertifications']);
    expect(text(certification, 'type')).toBe('RNCP');
    expect(text(certification, 'code')).toBe('RNCP38000');
    expect(text(certification, 'natureDeposant')).toBe('CERTIFICATEUR');
    const p = child(child(certification, 'passageCertifications'), 'passageCertification');
    expect(names(p)).toEqual([
      'idTechnique',
      'obtentionCertification',
      'donneeCertifiee',
      'dateDebutValidite',
      'dateFinValidite',
      'presenceNiveauLangueEuro',
      'presenceNiveauNumeriqueEuro',
      'modalitesInscription',
      'identificationTitulaire',
    ]);
    expect(text(p, 'idTechnique')).toBe('6d3c2a8e-4f0b-4c1e-9d7a-1b2c3d4e5f60');
    expect(text(p, 'obtentionCertification')).toBe('PAR_ADMISSION');
    expect(text(p, 'donneeCertifiee')).toBe('true');
    expect(text(p, 'dateDebutValidite')).toBe('2025-03-14');
    expect(child(p, 'dateFinValidite').attrs['xsi:nil']).toBe('true');
    expect(text(p, 'presenceNiveauLangueEuro')).toBe('false');
    expect(text(p, 'presenceNiveauNumeriqueEuro')).toBe('false');
    expect(text(child(p, 'modalitesInscription'), 'modaliteAcces')).toBe('FORMATION_INITIALE_APPRENTISSAGE');
    const titulaire = child(child(p, 'identificationTitulaire'), 'titulaire');
    expect(names(titulaire)).toEqual(['nomNaissance', 'prenom1', 'anneeNaissance', 'moisNaissance', 'jourNaissance', 'sexe', 'codeCommuneNaissance']);
    expect(text(titulaire, 'nomNaissance')).toBe('Dupont & Fils <SARL>'); // escaped in, unescaped out
    expect(text(titulaire, 'prenom1')).toBe('Zoé');
    expect([text(titulaire, 'anneeNaissance'), text(titulaire, 'moisNaissance'), text(titulaire, 'jourNaissance')]).toEqual(['1999', '07', '04']);
    expect(text(titulaire, 'sexe')).toBe('F');
    expect(text(titulaire, 'codeCommuneNaissance')).toBe('75056');
  });

  it('groups passages by certification code', () => {
    const root = parseXml(buildAccrochageXml(flux([passage(), passage({ idTechnique: 'b', certificationCode: 'RNCP1' }), passage({ idTechnique: 'c' })])));
    const certs = child(child(child(child(root, 'emetteur'), 'certificateurs'), 'certificateur'), 'certifications').children;
    expect(certs.map((c) => [text(c, 'code'), child(c, 'passageCertifications').children.length])).toEqual([
      ['RNCP38000', 2],
      ['RNCP1', 1],
    ]);
  });

  it('escapes markup and drops characters XML cannot carry', () => {
    expect(escapeXml(`a<b>&"c'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    const xml = buildAccrochageXml(flux([passage({ titulaire: { ...passage().titulaire, nomNaissance: '</nomNaissance><sexe>M</sexe>' } })]));
    expect(() => parseXml(xml)).not.toThrow();
    expect(xml).not.toContain('<sexe>M</sexe><');
  });

  it('maps every access route', () => {
    for (const route of Object.keys(MODALITE_ACCES) as Passage['accessRoute'][]) {
      const p = child(child(child(child(child(child(child(parseXml(buildAccrochageXml(flux([passage({ accessRoute: route })]))), 'emetteur'), 'certificateurs'), 'certificateur'), 'certifications'), 'certification'), 'passageCertifications'), 'passageCertification');
      expect(text(child(p, 'modalitesInscription'), 'modaliteAcces')).toBe(MODALITE_ACCES[route]);
    }
  });

  it('says which CDC fields an identity lacks, and treats an erased identity as not exportable', () => {
    expect(titulaireFrom(null).missing).toEqual(['identity (erased)']);
    expect(titulaireFrom({ givenName: 'Jean Paul', familyName: 'Martin', birthDate: '2000-01-02', email: 'x' }).missing).toEqual(['sexe', 'codeCommuneNaissance']);
    expect(titulaireFrom({ givenName: 'Jean Paul', familyName: 'Martin', birthDate: '2000-01-02', sex: 'M', birthPlaceCode: '2A004' }).titulaire).toEqual({
      nomNaissance: 'Martin',
      prenom1: 'Jean',
      birthDate: '2000-01-02',
      sexe: 'M',
      codeCommuneNaissance: '2A004',
    });
  });

  it('computes the three-month deadline, end-of-month safe', () => {
    expect(declarationDeadline('2025-03-14')).toBe('2025-06-14');
    expect(declarationDeadline('2025-11-30')).toBe('2026-02-28');
    expect(daysUntilDeadline('2025-03-14', '2025-06-04')).toBe(10);
    expect(daysUntilDeadline('2025-03-14', '2025-06-20')).toBe(-6);
  });
});
