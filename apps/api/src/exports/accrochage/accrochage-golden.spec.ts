import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessRoute } from '@app/domain/candidate/candidate';
import { buildAccrochageXml, Flux, IdentityForCdc, modalitesFrom, Passage, titulaireFrom } from '@app/domain/exports/accrochage';
import { XsdValidator } from './xsd-validator';

/**
 * Golden files of the flux (test/fixtures/accrochage/*.xml), one per kind of
 * holder, each validated against the test schema written from the published
 * structure (test/fixtures/cdc-accrochage.xsd). UPDATE_GOLDEN=1 rewrites them:
 * read the diff before committing.
 */
const fixtures = join(__dirname, '..', '..', '..', '..', '..', 'test', 'fixtures');
const schema = XsdValidator.fromFile(join(fixtures, 'cdc-accrochage.xsd'));

function passage(idTechnique: string, accessRoute: AccessRoute, identity: IdentityForCdc): Passage {
  const { titulaire, missing, invalid } = titulaireFrom(identity);
  if (!titulaire) throw new Error(`fixture identity lacks ${[...missing, ...invalid].join(', ')}`);
  return { idTechnique, certificationCode: 'RNCP38000', awardedOn: '2025-03-14', validUntil: null, ...modalitesFrom(accessRoute, identity), titulaire };
}
const flux = (p: Passage): Flux => ({
  idFlux: 'f0000000-0000-4000-8000-000000000001',
  horodatage: '2025-04-01T12:00:00+02:00',
  emetteurId: 'EMT00001',
  certificateurId: 'CERT0001',
  contratId: 'MCFCER000042',
  passages: [p],
});

const cases: Array<[file: string, p: Passage]> = [
  [
    'born-in-france',
    passage('6d3c2a8e-4f0b-4c1e-9d7a-1b2c3d4e5f60', 'continuing-education', {
      givenName: 'Zoé',
      familyName: 'Dupont & Fils',
      birthDate: '1999-07-04',
      sex: 'F',
      birthPlaceCode: '75056',
      birthPlaceName: 'Paris',
    }),
  ],
  [
    'born-abroad',
    passage('7a1b2c3d-0000-4000-8000-000000000002', 'initial-training', {
      givenName: 'Lucía',
      familyName: 'García',
      birthDate: '1988-12-31',
      sex: 'F',
      birthPlaceCode: '99134',
      birthPlaceName: 'Sevilla',
      birthCountryCode: 'ESP',
      birthCountryName: 'Espagne',
    }),
  ],
  [
    'usage-name-second-given-name',
    passage('7a1b2c3d-0000-4000-8000-000000000003', 'continuing-education', {
      givenName: 'Marie Claire Anne',
      familyName: 'Lefèvre',
      usageName: 'Martin',
      birthDate: '1975-01-09',
      sex: 'F',
      birthPlaceCode: '2A004',
      accessModality: 'professionalisation-contract',
    }),
  ],
  [
    'vae',
    passage('7a1b2c3d-0000-4000-8000-000000000004', 'vae', {
      givenName: 'Jean-Paul',
      familyName: "N'Diaye",
      birthDate: '1970-05-20',
      sex: 'M',
      birthPostalCode: '69003',
      birthPlaceName: 'Lyon',
      vaeRoute: 'vae-leave',
    }),
  ],
  [
    'apprenticeship',
    passage('7a1b2c3d-0000-4000-8000-000000000005', 'apprenticeship', {
      givenName: 'Noé',
      familyName: 'Petit',
      birthDate: '2004-02-29',
      sex: 'M',
      birthPlaceCode: '13055',
    }),
  ],
];

describe('CDC accrochage flux: golden files', () => {
  it.each(cases)('%s: matches its golden file and validates against the test schema', async (file, p) => {
    const xml = buildAccrochageXml(flux(p));
    const path = join(fixtures, 'accrochage', `${file}.xml`);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, xml);
    expect(xml).toBe(readFileSync(path, 'utf8'));
    expect(await schema.validate(xml)).toEqual([]);
  });

  it('the test schema refuses what the CDC would refuse, naming the element', async () => {
    const good = buildAccrochageXml(flux(cases[0][1]));
    const faults = await schema.validate(good.replace('<cpf:nomUsage xsi:nil="true"/>\n', ''));
    expect(faults.map((f) => f.element)).toContain('prenom1'); // nomUsage expected where prenom1 came
    expect((await schema.validate(good.replace('EMT00001', 'EMT001'))).map((f) => f.element)).toEqual(['idClient']);
    expect((await schema.validate(good.replace('<cpf:scoring xsi:nil="true"/>', '<cpf:scoring/>'))).map((f) => f.element)).toEqual(['scoring']);
    expect((await schema.validate(good.replace(/xmlns:cpf="[^"]+"/, 'xmlns:cpf="urn:other"'))).length).toBeGreaterThan(0);
  });
});
