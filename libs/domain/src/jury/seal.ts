import { AwardDraft, WithdrawalDraft } from './closing';
import { JuryMember, JuryState, Revises } from './jury';
import { candidatesOf } from './record';
import { NeutralisationOpinion, SealedValue } from './views';
import { StoredText } from '../shared/free-text';

/**
 * What the seal of a deliberation covers: the content of the procès-verbal
 * as the log holds it. The hash is SHA-256 over the RFC 8785 canonical JSON
 * of this object; personal data stays as stored (ciphertext), so the hash
 * still verifies after a candidate's key is erased. Free texts (recusal
 * reasons, motivations) are covered as stored too: ciphertext since they are
 * sealed, the plain string in deliberations recorded before. Arrays are sorted by
 * plain code-unit order so the content never depends on arrival order.
 */
export const SEAL_FORMAT = 'cert-jury-record/3';
/** Records sealed before the seal covered the roll: what the jury did, with designations, awards and withdrawals. */
export const SEAL_FORMAT_V2 = 'cert-jury-record/2';
/** Records sealed before awards came with the seal: no designations, awards or withdrawals in the content. */
export const SEAL_FORMAT_V1 = 'cert-jury-record/1';
export type SealFormat = typeof SEAL_FORMAT | typeof SEAL_FORMAT_V2 | typeof SEAL_FORMAT_V1;
/** Newest first: the order in which a record's seal is checked against the formats. */
export const SEAL_FORMATS: readonly SealFormat[] = [SEAL_FORMAT, SEAL_FORMAT_V2, SEAL_FORMAT_V1];

/**
 * One line of the roll: a candidate the record lists and every block listed
 * for them (enrolled in the session, or decided by the jury), decided or not.
 */
export interface RollEntry {
  candidateId: string;
  blocks: string[];
}

export interface SealedRecordContent {
  format: SealFormat;
  juryId: string;
  sessionId: string;
  referential: { id: string; code: string; version: number };
  revises: Revises | null;
  members: JuryMember[];
  /** Members present. There is no attendance command: every convened member is recorded present. */
  attendance: string[];
  recusals: Array<{ userId: string; candidateId: string; reason: StoredText }>;
  neutralisations: Array<{
    candidateId: string;
    block: string;
    criterion: string;
    opinion: { opinionId: string; criteria: string[]; motivation: SealedValue } | null;
  }>;
  /** Every decision in the order taken per candidate and block: a deferred block decided again shows both. */
  decisions: Array<{ candidateId: string; block: string; proposal: string; decision: string; motivation: StoredText | null; vae?: { applicationId: string } }>;
  /**
   * The VAE interviews the jury held (docs/paths.md "VAE"), notes as stored.
   * Present only in a record that has some, like `vae` on a decision on a
   * VAE file: a record without VAE hashes as it did before the path existed.
   */
  vaeInterviews?: Array<{ candidateId: string; applicationId: string; heldOn: string; memberId: string; notes: StoredText | null }>;
  /**
   * The jury's decisions on reported frauds (docs/paths.md "Fraud"), motivations as stored. Present
   * only in a record that has some: a record without frauds hashes as it did before.
   */
  fraudDecisions?: Array<{ candidateId: string; reportId: string; blocks: string[]; outcome: string; banUntil: string | null; motivation: StoredText }>;
  /** Substitute presidents the admin designated during the deliberation. */
  designations?: Array<{ userId: string; previousUserId: string | null }>;
  /** The certifications this closing awards and withdraws: part of the act the seal covers (format 2). */
  awards?: AwardDraft[];
  withdrawals?: WithdrawalDraft[];
  /**
   * Format 3: every candidate the record lists with every block listed for
   * them, undecided ones included (a session's jury lists every candidate
   * enrolled in the session at the closing), so that a candidate left out of
   * the record changes the hash.
   */
  roll?: RollEntry[];
  closedAt: string;
}

const cmp = (...keys: string[]) => (a: any, b: any) => {
  for (const k of keys) {
    if (a[k] < b[k]) return -1;
    if (a[k] > b[k]) return 1;
  }
  return 0;
};

export function recordContent(
  jury: JuryState,
  referential: { id: string; code: string; version: number },
  opinions: Readonly<Record<string, NeutralisationOpinion>>,
  closedAt: string,
  outcome: { awards: AwardDraft[]; withdrawals: WithdrawalDraft[] } = { awards: [], withdrawals: [] },
  format: SealFormat = SEAL_FORMAT,
  roll: RollEntry[] = rollOf(jury, {}),
): SealedRecordContent {
  const content: SealedRecordContent = {
    format,
    juryId: jury.juryId!,
    sessionId: jury.sessionId!,
    referential: { id: referential.id, code: referential.code, version: referential.version },
    revises: jury.revises ? { ...jury.revises } : null,
    members: jury.members.map((m) => ({ userId: m.userId, name: m.name, president: m.president, professional: m.professional })),
    attendance: jury.members.map((m) => m.userId),
    recusals: jury.recusals.map((r) => ({ userId: r.userId, candidateId: r.candidateId, reason: r.reason })).sort(cmp('candidateId', 'userId')),
    neutralisations: jury.neutralisations
      .map((n) => {
        const o = opinions[n.opinionId];
        return {
          candidateId: n.candidateId,
          block: n.block,
          criterion: n.criterion,
          opinion: o ? { opinionId: o.opinionId, criteria: [...o.criteria], motivation: o.motivation } : null,
        };
      })
      .sort(cmp('candidateId', 'block', 'criterion')),
    decisions: jury.decisions
      .map((d) => ({ candidateId: d.candidateId, block: d.block, proposal: d.proposal, decision: d.decision, motivation: d.motivation ?? null, ...(d.vae ? { vae: { applicationId: d.vae.applicationId } } : {}) }))
      .sort(cmp('candidateId', 'block')),
    ...(jury.vaeInterviews?.length
      ? {
          vaeInterviews: jury.vaeInterviews
            .map((i) => ({ candidateId: i.candidateId, applicationId: i.applicationId, heldOn: i.heldOn, memberId: i.memberId, notes: i.notes ?? null }))
            .sort(cmp('candidateId', 'applicationId')),
        }
      : {}),
    ...(jury.frauds?.length
      ? {
          fraudDecisions: jury.frauds
            .map((f) => ({ candidateId: f.candidateId, reportId: f.reportId, blocks: [...f.blocks].sort(), outcome: f.outcome, banUntil: f.banUntil, motivation: f.motivation }))
            .sort(cmp('candidateId', 'reportId')),
        }
      : {}),
    closedAt,
  };
  if (format === SEAL_FORMAT_V1) return content;
  return {
    ...content,
    designations: jury.designations.map((d) => ({ userId: d.userId, previousUserId: d.previousUserId })),
    awards: outcome.awards
      .map((a) => ({
        candidateId: a.candidateId,
        certificationCode: a.certificationCode,
        referentialId: a.referentialId,
        juryId: a.juryId,
        blocks: a.blocks.map((b) => ({ ...b })),
        awardedOn: a.awardedOn,
      }))
      .sort(cmp('candidateId', 'certificationCode')),
    withdrawals: outcome.withdrawals
      .map((w) => ({ candidateId: w.candidateId, certificationCode: w.certificationCode, awardEventId: w.awardEventId, juryId: w.juryId, reason: w.reason }))
      .sort(cmp('candidateId', 'certificationCode')),
    ...(format === SEAL_FORMAT ? { roll: roll.map((r) => ({ candidateId: r.candidateId, blocks: [...new Set(r.blocks)].sort(byCode) })).sort(cmp('candidateId')) } : {}),
    closedAt,
  };
}

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The roll the record lists: the candidates the jury touched and those of
 * `candidates` (for a session's jury, every candidate enrolled in the session
 * at the closing), each with the blocks enrolled in the jury's session and
 * the blocks the jury decided, in code order.
 */
export function rollOf(jury: JuryState, candidates: Readonly<Record<string, { enrolments: Readonly<Record<string, { blocks: readonly string[] }>> }>>): RollEntry[] {
  const sessionId = jury.sessionId!;
  const ids = [...new Set([...candidatesOf(jury), ...Object.keys(candidates)])].sort(byCode);
  return ids.map((candidateId) => ({
    candidateId,
    blocks: [...new Set([...(candidates[candidateId]?.enrolments[sessionId]?.blocks ?? []), ...jury.decisions.filter((d) => d.candidateId === candidateId).map((d) => d.block)])].sort(byCode),
  }));
}

/** The message the certifier's Ed25519 key signs: binds the hash to this format and this jury. */
export function sealSigningPayload(juryId: string, sealHash: string, format: SealFormat = SEAL_FORMAT) {
  return { format, juryId, sealHash };
}
