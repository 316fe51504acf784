import {
  AwardedBlock,
  awardedBlockStands,
  awardInForce,
  awardsInForce,
  blocksInForce,
  CertificationTarget,
  counts,
  InForceOptions,
  Outcome,
} from '../candidate/outcome';
import { JuryState } from './jury';

/**
 * What the closing of a deliberation does to the candidates' certifications.
 * The record is the legal act: a certification is awarded when the
 * deliberation that completes it is sealed (never with a decision still open
 * to change), and a revision that takes a block back withdraws the award in
 * the same seal. Computed once over the same inputs by the close handler
 * (for the sealed content) and by the decider (for the events).
 */
export interface ClosingInput {
  jury: JuryState;
  /** The certification of the jury's referential version. */
  target: CertificationTarget;
  /** Every candidate the jury decided: their outcome as folded from their stream. */
  candidates: Readonly<Record<string, Outcome>>;
  /** juryId → closing time of the other deliberations those candidates' decisions come from (null: not closed). */
  closings: Readonly<Record<string, string | null | undefined>>;
  closedAt: string;
}

export interface AwardDraft {
  candidateId: string;
  certificationCode: string;
  referentialId: string;
  juryId: string;
  blocks: AwardedBlock[];
  awardedOn: string;
}

export interface WithdrawalDraft {
  candidateId: string;
  certificationCode: string;
  awardEventId: string | null;
  juryId: string;
  reason: string;
}

export interface ClosingOutcome {
  awards: AwardDraft[];
  withdrawals: WithdrawalDraft[];
  /** Blocks left deferred at the closing, listed as such in the record. */
  deferred: Array<{ candidateId: string; block: string }>;
}

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function closingOutcome({ jury, target, candidates, closings, closedAt }: ClosingInput): ClosingOutcome {
  const juryId = jury.juryId!;
  const options: InForceOptions = { closings: { ...closings, [juryId]: closedAt }, sealedOnly: true, at: closedAt };
  const decided = [...new Set(jury.decisions.map((d) => d.candidateId))].sort(byCode);
  const awards: AwardDraft[] = [];
  const withdrawals: WithdrawalDraft[] = [];
  const deferred: ClosingOutcome['deferred'] = [];
  for (const candidateId of decided) {
    const outcome = candidates[candidateId];
    const blocks = [...new Set(jury.decisions.filter((d) => d.candidateId === candidateId).map((d) => d.block))].sort(byCode);
    for (const block of blocks) {
      const last = [...jury.decisions].reverse().find((d) => d.candidateId === candidateId && d.block === block);
      if (last?.decision === 'deferred') deferred.push({ candidateId, block });
    }
    if (!outcome) continue;
    // Only a revision changes decisions of another closing; every award still standing on them is checked.
    const withdrawnCodes = new Set<string>();
    if (jury.revises) {
      for (const award of awardsInForce(outcome).sort((a, b) => byCode(a.certificationCode, b.certificationCode))) {
        if (award.blocks.every((b) => awardedBlockStands(outcome, b, options))) continue;
        withdrawnCodes.add(award.certificationCode);
        withdrawals.push({ candidateId, certificationCode: award.certificationCode, awardEventId: award.eventId, juryId, reason: jury.revises.reason });
      }
    }
    const standing = awardInForce(outcome, target.code);
    if (standing && !withdrawnCodes.has(target.code)) continue;
    const inForce = blocksInForce(outcome, target, options);
    if (!inForce.every((x) => counts(x.inForce))) continue;
    awards.push({
      candidateId,
      certificationCode: target.code,
      referentialId: target.referentialId,
      juryId,
      awardedOn: closedAt.slice(0, 10),
      blocks: inForce.map(({ block, inForce: f }) => {
        const source = f!.source;
        const entry: AwardedBlock = { block, juryId: source.juryId, sessionId: source.sessionId };
        if (source.referentialId) entry.referentialId = source.referentialId;
        if (f!.byEquivalence) entry.equivalence = { referentialId: source.referentialId, block: source.block };
        if (f!.since) entry.validatedOn = f!.since.slice(0, 10);
        return entry;
      }),
    });
  }
  return { awards, withdrawals, deferred };
}

/**
 * The awards and withdrawals a closed jury wrote, read back from its
 * candidates' streams: what the seal covers, for checking it again.
 */
export function closingFromOutcomes(juryId: string, candidates: Readonly<Record<string, Outcome>>): { awards: AwardDraft[]; withdrawals: WithdrawalDraft[] } {
  const awards: AwardDraft[] = [];
  const withdrawals: WithdrawalDraft[] = [];
  for (const candidateId of Object.keys(candidates).sort(byCode)) {
    for (const a of candidates[candidateId].awards) {
      if (a.juryId === juryId) {
        awards.push({ candidateId, certificationCode: a.certificationCode, referentialId: a.referentialId, juryId: a.juryId, blocks: a.blocks.map((b) => ({ ...b })), awardedOn: a.awardedOn });
      }
      if (a.withdrawn?.juryId === juryId) {
        withdrawals.push({ candidateId, certificationCode: a.certificationCode, awardEventId: a.eventId, juryId, reason: a.withdrawn.reason });
      }
    }
  }
  return { awards, withdrawals };
}
