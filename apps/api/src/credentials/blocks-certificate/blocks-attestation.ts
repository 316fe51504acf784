import { BlockInForce, CertificationTarget, counts, decisionInForce, Outcome } from '@app/domain/candidate/outcome';
import { parisDay } from '@app/domain/candidate/decision-letters';
import { ReferentialDocument } from '@app/domain/referential/referential';
import { ATTESTATION_FORMAT } from '@app/proof/attestation';

/**
 * The attested content of a certificate of blocks (attestation de blocs de
 * compétences acquis): what is signed, and all the PDF prints. Pure and
 * deterministic: the same file, records and moment give the same content
 * (the moment only matters where a validity period ends).
 */
export interface BlocksAttestation {
  format: typeof ATTESTATION_FORMAT;
  certifier: string | null;
  /** The holder as the reader may see them: names for an admin, the pseudonym for a regulator, nothing once erased. */
  holder: { candidateId: string; givenName: string; familyName: string; usageName?: string; birthDate: string } | { candidateId: string; pseudonym: string } | { candidateId: string; erased: true };
  certifications: AttestedCertification[];
}

export interface AttestedCertification {
  code: string;
  title: string;
  level: number | null;
  blocks: AttestedBlock[];
}

export interface AttestedBlock {
  /** RNCPnnnnnBCnn */
  rncpCode: string;
  block: string;
  title: string;
  /** The deliberation that validated it: its jury, session, the closing day (Paris) and the seal of its record. */
  juryId: string;
  sessionId: string;
  sessionTitle: string | null;
  validatedOn: string | null;
  recordSealHash: string | null;
  /** The last day it counts, where the referential sets a validity period; null: no end. */
  validUntil: string | null;
  /** Counted through an equivalence the referential declares: the block decided. */
  byEquivalence: string | null;
}

/** A certification the candidate enrolled for: the referential version of the session (the latest session for titles). */
export interface CertificationSource {
  target: CertificationTarget;
  document: ReferentialDocument;
}

/** A deliberation as the certificate needs it: final or not, its closing and seal, its session's title. */
export interface DeliberationFacts {
  final: boolean;
  closedAt: string | null;
  sealHash: string | null;
  sessionTitle: string | null;
}

/**
 * The blocks in force of each certification, from final records only: a
 * decision counts when the deliberation that made it is sealed and (where
 * RECORD_APPROVAL_REQUIRED) approved, through the domain's decisionInForce
 * (capitalisation, revisions, equivalences, lapsed validity at `at`).
 */
export function attestedCertifications(outcome: Outcome, sources: CertificationSource[], deliberations: Readonly<Record<string, DeliberationFacts>>, at: string): AttestedCertification[] {
  const closings: Record<string, string | null> = {};
  for (const [juryId, d] of Object.entries(deliberations)) closings[juryId] = d.final ? d.closedAt : null;
  const byCode = new Map<string, AttestedCertification>();
  for (const { target, document } of sources) {
    const blocks: AttestedBlock[] = [];
    for (const block of target.blocks) {
      const inForce = decisionInForce(outcome, target, block, { closings, sealedOnly: true, at });
      if (!counts(inForce)) continue;
      blocks.push(attestedBlock(document, block, inForce, deliberations));
    }
    // Several versions of one certification: the blocks of all, titled by the latest version given.
    const known = byCode.get(document.code);
    const merged = known ? [...known.blocks.filter((b) => !blocks.some((x) => x.block === b.block)), ...blocks] : blocks;
    byCode.set(document.code, { code: document.code, title: document.title, level: document.level ?? null, blocks: merged });
  }
  return [...byCode.values()]
    .filter((c) => c.blocks.length > 0)
    .map((c) => ({ ...c, blocks: [...c.blocks].sort((a, b) => blockIndex(sources, c.code, a.block) - blockIndex(sources, c.code, b.block) || (a.block < b.block ? -1 : 1)) }))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

function blockIndex(sources: CertificationSource[], code: string, block: string): number {
  for (let i = sources.length - 1; i >= 0; i--) {
    if (sources[i].document.code !== code) continue;
    const at = sources[i].document.blocks.findIndex((b) => b.code === block);
    if (at >= 0) return at;
  }
  return Number.MAX_SAFE_INTEGER;
}

function attestedBlock(document: ReferentialDocument, block: string, inForce: BlockInForce, deliberations: Readonly<Record<string, DeliberationFacts>>): AttestedBlock {
  const origin = inForce.origin;
  const facts = deliberations[origin.juryId];
  return {
    rncpCode: `${document.code}${block}`,
    block,
    title: document.blocks.find((b) => b.code === block)?.title ?? block,
    juryId: origin.juryId,
    sessionId: origin.sessionId,
    sessionTitle: facts?.sessionTitle ?? null,
    validatedOn: inForce.since ? parisDay(inForce.since) : null,
    recordSealHash: facts?.sealHash ?? null,
    validUntil: inForce.validUntil ? parisDay(inForce.validUntil) : null,
    byEquivalence: inForce.byEquivalence ? origin.block : null,
  };
}
