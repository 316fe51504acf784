import { AccessRoute } from '../candidate/candidate';

/**
 * The CDC *accrochage* flux: the XML file by which a certifier declares the
 * certifications it awarded to the Caisse des Dépôts (CPF passport), within
 * three months of the award. Pure: the caller gathers awards, decrypted
 * identities and its CDC identifiers; this builds and checks the document.
 *
 * Structure (DOMAIN.md "Outputs"), every element in the namespace
 * `urn:cdc:cpf:pc5:schema:1.0.0` with the prefix `cpf:`:
 * flux{idFlux, horodatage, [action], emetteur{idClient, certificateurs/certificateur{idClient, idContrat,
 * certifications/certification{type, code, natureDeposant, passageCertifications/passageCertification{…}}}}}.
 * `action` is written only for a schema version that provides it (see `schemaProvidesActions`).
 */

export const CDC_NAMESPACE = 'urn:cdc:cpf:pc5:schema:1.0.0';
export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

export type ModaliteAcces =
  | 'FORMATION_INITIALE_HORS_APPRENTISSAGE'
  | 'FORMATION_INITIALE_APPRENTISSAGE'
  | 'FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION'
  | 'FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION'
  | 'VAE'
  | 'EQUIVALENCE'
  | 'CANDIDAT_LIBRE';
export type VoieAccesVae = 'CONGES_VAE' | 'VAE_CLASSIQUE';

/**
 * Candidate access route → CDC `modaliteAcces`, when registration says
 * nothing more: initial training outside apprenticeship and continuing
 * education outside a professionalisation contract are the CDC's categories
 * for our two generic routes (`accessModality` at registration refines them).
 */
export const MODALITE_ACCES: Record<AccessRoute, ModaliteAcces> = {
  'initial-training': 'FORMATION_INITIALE_HORS_APPRENTISSAGE',
  apprenticeship: 'FORMATION_INITIALE_APPRENTISSAGE',
  'continuing-education': 'FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION',
  vae: 'VAE',
  independent: 'CANDIDAT_LIBRE',
};

/** Registration refinements of the access route the CDC distinguishes (optional fields of POST /v1/candidates). */
export type AccessModality = 'professionalisation-contract' | 'equivalence';
export const ACCESS_MODALITIES: readonly AccessModality[] = ['professionalisation-contract', 'equivalence'];
export type VaeRoute = 'classic' | 'vae-leave';
export const VAE_ROUTES: readonly VaeRoute[] = ['classic', 'vae-leave'];

export const OBTENTION_PAR_ADMISSION = 'PAR_ADMISSION';
export const NATURE_DEPOSANT_CERTIFICATEUR = 'CERTIFICATEUR';

/** Lengths the published structure sets: checked at configuration and again when a flux is built. */
export const CDC_LIMITS = { idClient: 8, idContratMax: 20, idTechniqueMax: 255, idFluxMax: 50, nameMax: 60, labelMax: 60, postalCodeMax: 9 } as const;

/** Where the holder was born: an INSEE code (99xxx for a country abroad), or a postal code when the INSEE code is not known. */
export type BirthPlace = { codeInsee: string } | { codePostal: string };

/** The holder as the CDC identifies them. */
export interface Titulaire {
  /** Birth name (nom de naissance). */
  nomNaissance: string;
  /** Usage name (nom d'usage), null when the holder has none. */
  nomUsage: string | null;
  /** Given names in order: prenom1, then prenom2 and prenom3 when given. */
  prenoms: string[];
  /** YYYY-MM-DD */
  birthDate: string;
  sexe: 'M' | 'F';
  birthPlace: BirthPlace;
  libelleCommuneNaissance?: string;
  codePaysNaissance?: string;
  libellePaysNaissance?: string;
}

export interface Passage {
  /** Stable technical id of this declaration: the CertificationAwarded event id (the processing report is keyed by it). */
  idTechnique: string;
  /** RNCP code of the certification, e.g. RNCP38000. */
  certificationCode: string;
  /** YYYY-MM-DD: start of validity = award date. */
  awardedOn: string;
  /** YYYY-MM-DD, or null: RNCP certifications do not expire. */
  validUntil: string | null;
  modaliteAcces: ModaliteAcces;
  /** Required when modaliteAcces is VAE. */
  voieAccesVAE?: VoieAccesVae;
  titulaire: Titulaire;
  presenceNiveauLangueEuro?: boolean;
  presenceNiveauNumeriqueEuro?: boolean;
}

/** CREATION declares awards; SUPPRESSION withdraws earlier declarations (only for a schema version that provides `action`). */
export type FluxAction = 'CREATION' | 'SUPPRESSION';

export interface Flux {
  idFlux: string;
  /** xsd:dateTime to the second with the Paris offset (see parisTimestamp). */
  horodatage: string;
  /** Written only when the certifier's schema version provides the element. */
  action?: FluxAction;
  /** The sender's client id at the CDC (8 characters). */
  emetteurId: string;
  /** The certifier's client id at the CDC (8 characters; often the sender itself). */
  certificateurId: string;
  /** The certifier's contract id with the CDC (1 to 20 characters). */
  contratId: string;
  passages: Passage[];
}

/** The sealed registration data a declaration reads (Identity of candidate.ts, all but email). */
export interface IdentityForCdc {
  givenName?: unknown;
  familyName?: unknown;
  usageName?: unknown;
  birthDate?: unknown;
  sex?: unknown;
  birthPlaceCode?: unknown;
  birthPostalCode?: unknown;
  birthPlaceName?: unknown;
  birthCountryCode?: unknown;
  birthCountryName?: unknown;
  accessModality?: unknown;
  vaeRoute?: unknown;
  [key: string]: unknown;
}

const INSEE_COMMUNE = /^(\d{5}|2[AB]\d{3})$/;
const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** Given names as registered ("all given names in order"): comma-separated when commas are used, else space-separated; more than three keep the rest in prenom3. */
export function splitGivenNames(givenName: string): string[] {
  const parts = (givenName.includes(',') ? givenName.split(',') : givenName.split(/\s+/)).map((p) => p.trim()).filter(Boolean);
  if (parts.length <= 3) return parts;
  return [parts[0], parts[1], parts.slice(2).join(' ')];
}

/**
 * The holder from the decrypted identity, or the CDC fields it lacks. Never
 * invents a value: a field the CDC requires and registration did not record
 * is reported by its CDC name, and the award is not declared.
 */
export function titulaireFrom(identity: IdentityForCdc | null): { titulaire?: Titulaire; missing: string[]; invalid: string[] } {
  if (!identity) return { missing: ['identity (erased)'], invalid: [] };
  const missing: string[] = [];
  const invalid: string[] = [];
  const nomNaissance = text(identity.familyName);
  const nomUsage = text(identity.usageName) ?? null;
  const given = text(identity.givenName);
  const prenoms = given ? splitGivenNames(given) : [];
  const birthDate = text(identity.birthDate);
  const rawSex = text(identity.sex);
  const sexe = rawSex === 'M' || rawSex === 'F' ? rawSex : undefined;
  const insee = text(identity.birthPlaceCode)?.toUpperCase();
  const postal = text(identity.birthPostalCode);
  if (!nomNaissance) missing.push('nomNaissance');
  if (!prenoms.length) missing.push('prenom1');
  if (!birthDate || !/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) missing.push('anneeNaissance/moisNaissance/jourNaissance');
  if (!sexe) missing.push('sexe');
  let birthPlace: BirthPlace | undefined;
  if (insee && INSEE_COMMUNE.test(insee)) birthPlace = { codeInsee: insee };
  else if (postal) birthPlace = { codePostal: postal };
  else missing.push('codeCommuneNaissance');
  const labels = {
    libelleCommuneNaissance: text(identity.birthPlaceName),
    codePaysNaissance: text(identity.birthCountryCode)?.toUpperCase(),
    libellePaysNaissance: text(identity.birthCountryName),
  };
  // Longer than the structure allows: reported, never cut (a truncated name would not match the holder's records).
  const tooLong = (name: string, value: string | null | undefined, max: number) => value && [...value].length > max && invalid.push(`${name} (more than ${max} characters)`);
  tooLong('nomNaissance', nomNaissance, CDC_LIMITS.nameMax);
  tooLong('nomUsage', nomUsage, CDC_LIMITS.nameMax);
  prenoms.forEach((p, i) => tooLong(`prenom${i + 1}`, p, CDC_LIMITS.nameMax));
  tooLong('libelleCommuneNaissance', labels.libelleCommuneNaissance, CDC_LIMITS.labelMax);
  tooLong('libellePaysNaissance', labels.libellePaysNaissance, CDC_LIMITS.labelMax);
  if (birthPlace && 'codePostal' in birthPlace) tooLong('codePostal', birthPlace.codePostal, CDC_LIMITS.postalCodeMax);
  if (missing.length || invalid.length) return { missing, invalid };
  const titulaire: Titulaire = { nomNaissance: nomNaissance!, nomUsage, prenoms, birthDate: birthDate!, sexe: sexe!, birthPlace: birthPlace! };
  for (const [k, v] of Object.entries(labels)) if (v) (titulaire as unknown as Record<string, string>)[k] = v;
  return { titulaire, missing, invalid };
}

/** `modaliteAcces` (and `voieAccesVAE` for VAE) from the access route and the registration refinements. */
export function modalitesFrom(accessRoute: AccessRoute, identity: IdentityForCdc | null): { modaliteAcces: ModaliteAcces; voieAccesVAE?: VoieAccesVae } {
  if (identity?.accessModality === 'equivalence') return { modaliteAcces: 'EQUIVALENCE' };
  if (accessRoute === 'continuing-education' && identity?.accessModality === 'professionalisation-contract') return { modaliteAcces: 'FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION' };
  // VAE under a congé VAE is the case registration records (vaeRoute: 'vae-leave'); any other VAE is the ordinary route.
  if (accessRoute === 'vae') return { modaliteAcces: 'VAE', voieAccesVAE: identity?.vaeRoute === 'vae-leave' ? 'CONGES_VAE' : 'VAE_CLASSIQUE' };
  return { modaliteAcces: MODALITE_ACCES[accessRoute] };
}

/** Problems with the certifier's CDC identifiers, by variable; empty when they fit the structure. */
export function cdcIdentifierProblems(ids: { emitterId?: string; certifierId?: string; contractId?: string }): string[] {
  const problems: string[] = [];
  const exactly = (name: string, v: string | undefined) => v !== undefined && [...v].length !== CDC_LIMITS.idClient && problems.push(`${name} must be exactly ${CDC_LIMITS.idClient} characters (idClient), got ${[...v].length}`);
  exactly('CDC_EMITTER_ID', ids.emitterId);
  exactly('CDC_CERTIFIER_ID', ids.certifierId);
  if (ids.contractId !== undefined && ([...ids.contractId].length < 1 || [...ids.contractId].length > CDC_LIMITS.idContratMax)) {
    problems.push(`CDC_CONTRACT_ID must be 1 to ${CDC_LIMITS.idContratMax} characters (idContrat), got ${[...ids.contractId].length}`);
  }
  return problems;
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

const PARIS = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** `2022-02-01T11:43:27+01:00`: the instant in Paris local time, to the second, with its offset (+01:00 in winter, +02:00 in summer). */
export function parisTimestamp(instant: Date): string {
  const parts = Object.fromEntries(PARIS.formatToParts(instant).map((p) => [p.type, p.value]));
  const local = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  const offsetMinutes = Math.round((Date.parse(`${local}Z`) - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
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

/** A node: text, nil (xsi:nil="true"), or children. Names are local; every element gets the cpf: prefix. */
type Node = [name: string, children: Node[] | string | null];

function render(node: Node, depth: number, out: string[], rootAttrs = ''): void {
  const [name, content] = node;
  const pad = '  '.repeat(depth);
  const tag = `cpf:${name}`;
  if (content === null) out.push(`${pad}<${tag} xsi:nil="true"/>`);
  else if (typeof content === 'string') out.push(`${pad}<${tag}>${escapeXml(content)}</${tag}>`);
  else {
    out.push(`${pad}<${tag}${rootAttrs}>`);
    for (const child of content) render(child, depth + 1, out);
    out.push(`${pad}</${tag}>`);
  }
}

function titulaireNode(t: Titulaire): Node {
  const [annee, mois, jour] = t.birthDate.split('-');
  const place: Node = 'codeInsee' in t.birthPlace ? ['codeInseeNaissance', [['codeInsee', t.birthPlace.codeInsee]]] : ['codePostalNaissance', [['codePostal', t.birthPlace.codePostal]]];
  const children: Node[] = [
    ['nomNaissance', t.nomNaissance],
    ['nomUsage', t.nomUsage],
    ...t.prenoms.slice(0, 3).map((p, i): Node => [`prenom${i + 1}`, p]),
    ['anneeNaissance', annee],
    ['moisNaissance', mois],
    ['jourNaissance', jour],
    ['sexe', t.sexe],
    ['codeCommuneNaissance', [place]],
  ];
  if (t.libelleCommuneNaissance) children.push(['libelleCommuneNaissance', t.libelleCommuneNaissance]);
  if (t.codePaysNaissance) children.push(['codePaysNaissance', t.codePaysNaissance]);
  if (t.libellePaysNaissance) children.push(['libellePaysNaissance', t.libellePaysNaissance]);
  return ['titulaire', children];
}

function passageNode(p: Passage): Node {
  const modalites: Node[] = [['modaliteAcces', p.modaliteAcces]];
  if (p.voieAccesVAE) modalites.push(['voieAccesVAE', p.voieAccesVAE]);
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
      // No score and no honours for an RNCP award by admission: present and nil, as the structure requires.
      ['scoring', null],
      ['mentionValidee', null],
      ['modalitesInscription', modalites],
      ['identificationTitulaire', [titulaireNode(p.titulaire)]],
    ],
  ];
}

/** What would make the flux unacceptable before any schema check: identifiers out of bounds, a VAE without its route. */
export function fluxProblems(flux: Flux): string[] {
  const problems = cdcIdentifierProblems({ emitterId: flux.emetteurId, certifierId: flux.certificateurId, contractId: flux.contratId });
  if (!flux.idFlux || flux.idFlux.length > CDC_LIMITS.idFluxMax) problems.push(`idFlux must be 1 to ${CDC_LIMITS.idFluxMax} characters`);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/.test(flux.horodatage)) problems.push('horodatage must be a date-time to the second with its offset');
  for (const p of flux.passages) {
    if (!p.idTechnique || p.idTechnique.length > CDC_LIMITS.idTechniqueMax) problems.push(`passage ${p.idTechnique}: idTechnique must be 1 to ${CDC_LIMITS.idTechniqueMax} characters`);
    if (p.modaliteAcces === 'VAE' && !p.voieAccesVAE) problems.push(`passage ${p.idTechnique}: voieAccesVAE is required for VAE`);
    if (p.modaliteAcces !== 'VAE' && p.voieAccesVAE) problems.push(`passage ${p.idTechnique}: voieAccesVAE is only for VAE`);
  }
  return problems;
}

/** The flux as an XML string (UTF-8 declaration, passages grouped by certification code). Throws on `fluxProblems`. */
export function buildAccrochageXml(flux: Flux): string {
  const problems = fluxProblems(flux);
  if (problems.length) throw new Error(`the accrochage flux cannot be built: ${problems.join('; ')}`);
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
  const head: Node[] = [
    ['idFlux', flux.idFlux],
    ['horodatage', flux.horodatage],
  ];
  if (flux.action) head.push(['action', flux.action]);
  const root: Node = [
    'flux',
    [
      ...head,
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
  render(root, 0, out, ` xmlns:cpf="${CDC_NAMESPACE}" xmlns:xsi="${XSI_NAMESPACE}"`);
  return `${out.join('\n')}\n`;
}

/**
 * Whether the certifier's schema version lets a flux withdraw a declaration:
 * it declares an `action` element whose values include a deletion. Without
 * one, a withdrawn award is listed for manual withdrawal on the CDC portal.
 */
export function schemaProvidesActions(xsd: string | null): boolean {
  if (!xsd) return false;
  return /<(?:\w+:)?element\b[^>]*\bname\s*=\s*["']action["']/.test(xsd) && /\bvalue\s*=\s*["']SUPPRESSION["']/.test(xsd);
}
