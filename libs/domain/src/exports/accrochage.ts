import { AccessRoute } from '../candidate/candidate';

/**
 * The CDC *accrochage* flux: the XML file by which a certifier declares the
 * certifications it awarded to the Caisse des Dépôts (CPF passport), within
 * three months of the award. Pure: the caller gathers awards, decrypted
 * identities and its CDC identifiers; this builds and checks the document.
 *
 * Structure and element names follow DOMAIN.md "Outputs":
 * flux{idFlux, horodatage, emetteur{idClient, certificateurs/certificateur{idClient, idContrat,
 * certifications/certification{type, code, natureDeposant, passageCertifications/passageCertification{…}}}}}.
 */

/**
 * Candidate access route → CDC `modaliteAcces`. Initial training outside
 * apprenticeship and continuing education outside a professionalisation
 * contract are the CDC's default categories for our two generic routes.
 */
export const MODALITE_ACCES: Record<AccessRoute, string> = {
  'initial-training': 'FORMATION_INITIALE_HORS_APPRENTISSAGE',
  apprenticeship: 'FORMATION_INITIALE_APPRENTISSAGE',
  'continuing-education': 'FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION',
  vae: 'VAE',
  independent: 'CANDIDAT_LIBRE',
};

export const OBTENTION_PAR_ADMISSION = 'PAR_ADMISSION';
export const NATURE_DEPOSANT_CERTIFICATEUR = 'CERTIFICATEUR';

/** The holder as the CDC identifies them (birth name, first given name, birth date, sex, INSEE birth commune). */
export interface Titulaire {
  nomNaissance: string;
  prenom1: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sexe: 'M' | 'F';
  /** INSEE code of the birth commune (5 characters; 99xxx for a birth abroad). */
  codeCommuneNaissance: string;
}

export interface Passage {
  /** Stable technical id of this declaration: the CertificationAwarded event id. */
  idTechnique: string;
  /** RNCP code of the certification, e.g. RNCP38000. */
  certificationCode: string;
  /** YYYY-MM-DD: start of validity = award date. */
  awardedOn: string;
  /** YYYY-MM-DD, or null: RNCP certifications do not expire. */
  validUntil: string | null;
  accessRoute: AccessRoute;
  titulaire: Titulaire;
  presenceNiveauLangueEuro?: boolean;
  presenceNiveauNumeriqueEuro?: boolean;
}

export interface Flux {
  idFlux: string;
  /** ISO 8601 timestamp of the flux. */
  horodatage: string;
  /** The sender's client id at the CDC. */
  emetteurId: string;
  /** The certifier's client id at the CDC (often the sender itself). */
  certificateurId: string;
  /** The certifier's contract id with the CDC. */
  contratId: string;
  passages: Passage[];
}

/** What the decrypted identity must hold for a declaration; returns the missing CDC fields. */
export function titulaireFrom(identity: Record<string, unknown> | null): { titulaire?: Titulaire; missing: string[] } {
  if (!identity) return { missing: ['identity (erased)'] };
  const missing: string[] = [];
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const nomNaissance = text(identity.birthName) ?? text(identity.familyName);
  const prenom1 = text(identity.givenName)?.split(/[\s,]+/)[0];
  const birthDate = text(identity.birthDate);
  const rawSex = text(identity.sex) ?? text(identity.gender);
  const sexe = rawSex && /^(m|male|masculin|homme)$/i.test(rawSex) ? 'M' : rawSex && /^(f|female|féminin|feminin|femme)$/i.test(rawSex) ? 'F' : undefined;
  const commune = text(identity.birthPlaceCode) ?? text(identity.codeCommuneNaissance) ?? text(identity.birthCommuneCode);
  if (!nomNaissance) missing.push('nomNaissance');
  if (!prenom1) missing.push('prenom1');
  if (!birthDate || !/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) missing.push('anneeNaissance/moisNaissance/jourNaissance');
  if (!sexe) missing.push('sexe');
  if (!commune || !/^(\d{5}|2[AB]\d{3})$/.test(commune)) missing.push('codeCommuneNaissance');
  if (missing.length) return { missing };
  return { titulaire: { nomNaissance: nomNaissance!, prenom1: prenom1!, birthDate: birthDate!, sexe: sexe!, codeCommuneNaissance: commune! }, missing };
}

/** The CDC must receive the declaration within three months of the award. */
export function declarationDeadline(awardedOn: string): string {
  const [y, m, d] = awardedOn.split('-').map(Number);
  const target = new Date(Date.UTC(y, m - 1 + 3, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return target.toISOString().slice(0, 10);
}

/** Whole days from `today` (YYYY-MM-DD) to the deadline; negative once it has passed. */
export function daysUntilDeadline(awardedOn: string, today: string): number {
  return Math.round((Date.parse(declarationDeadline(awardedOn)) - Date.parse(today)) / 86_400_000);
}

/** XML 1.0 text: the five predefined entities, and no character XML 1.0 forbids. */
export function escapeXml(value: string): string {
  return value
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

type Node = [name: string, children: Node[] | string | null];

function render(node: Node, depth: number, out: string[]): void {
  const [name, content] = node;
  const pad = '  '.repeat(depth);
  if (content === null) out.push(`${pad}<${name} xsi:nil="true"/>`);
  else if (typeof content === 'string') out.push(`${pad}<${name}>${escapeXml(content)}</${name}>`);
  else {
    out.push(`${pad}<${name}>`);
    for (const child of content) render(child, depth + 1, out);
    out.push(`${pad}</${name}>`);
  }
}

function passageNode(p: Passage): Node {
  const [annee, mois, jour] = p.titulaire.birthDate.split('-');
  return [
    'passageCertification',
    [
      ['idTechnique', p.idTechnique],
      ['obtentionCertification', OBTENTION_PAR_ADMISSION],
      ['donneeCertifiee', 'true'],
      ['dateDebutValidite', p.awardedOn],
      ['dateFinValidite', p.validUntil],
      ['presenceNiveauLangueEuro', String(p.presenceNiveauLangueEuro ?? false)],
      ['presenceNiveauNumeriqueEuro', String(p.presenceNiveauNumeriqueEuro ?? false)],
      ['modalitesInscription', [['modaliteAcces', MODALITE_ACCES[p.accessRoute]]]],
      [
        'identificationTitulaire',
        [
          [
            'titulaire',
            [
              ['nomNaissance', p.titulaire.nomNaissance],
              ['prenom1', p.titulaire.prenom1],
              ['anneeNaissance', annee],
              ['moisNaissance', mois],
              ['jourNaissance', jour],
              ['sexe', p.titulaire.sexe],
              ['codeCommuneNaissance', p.titulaire.codeCommuneNaissance],
            ],
          ],
        ],
      ],
    ],
  ];
}

/** The flux as an XML string (UTF-8 declaration, passages grouped by certification code). */
export function buildAccrochageXml(flux: Flux): string {
  for (const p of flux.passages) {
    if (!MODALITE_ACCES[p.accessRoute]) throw new Error(`passage ${p.idTechnique}: unknown access route ${String(p.accessRoute)}`);
  }
  const byCode = new Map<string, Passage[]>();
  for (const p of flux.passages) byCode.set(p.certificationCode, [...(byCode.get(p.certificationCode) ?? []), p]);
  const certifications: Node[] = [...byCode.entries()].map(([code, passages]) => [
    'certification',
    [
      ['type', 'RNCP'],
      ['code', code],
      ['natureDeposant', NATURE_DEPOSANT_CERTIFICATEUR],
      ['passageCertifications', passages.map(passageNode)],
    ],
  ]);
  const root: Node = [
    'flux',
    [
      ['idFlux', flux.idFlux],
      ['horodatage', flux.horodatage],
      [
        'emetteur',
        [
          ['idClient', flux.emetteurId],
          [
            'certificateurs',
            [
              [
                'certificateur',
                [
                  ['idClient', flux.certificateurId],
                  ['idContrat', flux.contratId],
                  ['certifications', certifications],
                ],
              ],
            ],
          ],
        ],
      ],
    ],
  ];
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  render(root, 0, out);
  // The namespace declaration for xsi:nil goes on the root element.
  out[1] = '<flux xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">';
  return `${out.join('\n')}\n`;
}
