import { Proposal } from '../candidate/proposal';
import { FraudOutcome } from '../candidate/candidate-events';
import { initialOutcome } from '../candidate/outcome';
import { attemptOf, NotEvaluated, proposeSessionBlock } from '../candidate/session-block';
import { criteriaOfBlock, findBlock, locateCriterion } from '../referential/referential';
import { ReferentialState } from '../referential/referential-state';
import { ApprovalStatus, approvalStatus, BlockDecision, decisionOf, JuryState, JuryStatus, neutralisedFor, recordIsFinal, Revises, vaeInterviewOf } from './jury';
import { CandidateView, SealedValue, SessionView } from './views';
import { StoredText, TextKind } from '../shared/free-text';

/**
 * The procès-verbal as JSON: folded from the jury's stream and the streams of
 * the candidates it dealt with, cut at the same point. Everything is ordered
 * by code-unit comparison or by the referential's order, and nothing depends
 * on the clock or on arrival order, so one log always gives the same bytes.
 */
export interface JuryRecord {
  juryId: string;
  status: Exclude<JuryStatus, 'none'>;
  session: { sessionId: string; title: string | null; startsOn: string | null; endsOn: string | null };
  certification: { referentialId: string; code: string | null; title: string | null; level: number | null; certifier: string | null; version: number; validationRule: string | null };
  revises: Revises | null;
  convenedAt: string | null;
  openedAt: string | null;
  closedAt: string | null;
  members: Array<{ userId: string; name: string; president: boolean; professional: boolean; present: boolean }>;
  recusals: Array<{ userId: string; name: string; candidateId: string; reason: string }>;
  /** Substitute presidents designated by the admin while the deliberation was open. */
  designations: Array<{ userId: string; name: string; previousUserId: string | null; designatedAt: string | null }>;
  candidates: CandidateRecord[];
  sealHash: string | null;
  signature: string | null;
  keyFingerprint: string | null;
  /** Members' approvals of the sealed record, in the order given; `comment` as the reader may see it. */
  approvals: Array<{ memberId: string; name: string; president: boolean; approvedAt: string; sealHash: string; comment: string | null }>;
  approvalStatus: ApprovalStatus;
  /** Sealed and, where RECORD_APPROVAL_REQUIRED (the default), approved by the president: what the CDC export and the credentials wait for. */
  final: boolean;
}

export interface CandidateRecord {
  candidateId: string;
  /** Given and family name; null when the candidate's personal data was erased (`erased: true`). */
  name: string | null;
  erased: boolean;
  recusedMembers: string[];
  blocks: BlockRecord[];
  /** Certifications this deliberation awarded at its closing (shown from the closing on), each block with where it comes from. */
  awards: Array<{
    certificationCode: string;
    referentialId: string;
    awardedOn: string;
    blocks: Array<{ block: string; juryId: string; sessionId: string | null; validatedOn: string | null; byEquivalence: { referentialId: string | null; block: string } | null }>;
    /** Set when a later revision withdrew it. */
    withdrawn: { juryId: string; reason: string } | null;
  }>;
  /** Awards this (revision) deliberation withdrew at its closing. */
  withdrawals: Array<{ certificationCode: string; awardEventId: string | null; reason: string }>;
  /**
   * Frauds reported in this session and the jury's decision on each (null
   * while undecided). `description` and `motivation` as the reader may see
   * them: regulators learn that a fraud was reported and decided, never what
   * was described.
   */
  frauds: Array<{
    reportId: string;
    blocks: string[];
    reportedBy: string | null;
    reportedAt: string | null;
    description: string | null;
    decision: { juryId: string; outcome: FraudOutcome; banUntil: string | null; motivation: string | null; decidedAt: string | null } | null;
  }>;
  accommodations: Array<{
    requestId: string;
    types: string[];
    extraTimePercent: number | null;
    reason: string | null;
    applied: Array<{ evaluation: string; note: string | null }>;
  }>;
  /** Only for a candidate enrolled on a VAE file in the session: the path, texts as the reader may see them. */
  vae?: VaeRecord;
}

/** A VAE path as the record shows it (docs/paths.md "VAE"). */
export interface VaeRecord {
  applicationId: string;
  certificationCode: string;
  /** The blocks the application sought. */
  blocks: string[];
  summary: string | null;
  admissibility: { admissible: boolean; motivation: string | null; decidedAt: string | null } | null;
  file: { blocks: string[]; description: string | null; submittedAt: string | null } | null;
  /** The interview this jury (or, for a revision, the jury it revises) held, with the member who held it. */
  interview: { heldOn: string; memberId: string; name: string; notes: string | null } | null;
}

export interface BlockRecord {
  block: string;
  title: string | null;
  /** The proposal the decision was taken on; for a block not decided yet, the proposal computed now. */
  proposal: Proposal;
  /** Why the block was not evaluated in this session (proposal `not-evaluated`), else null. */
  notEvaluated: NotEvaluated | null;
  /** The attempt number of this block in this session (session-block.ts `attemptOf`); null for a block the candidate is not enrolled for here. */
  attempt: number | null;
  decision: BlockDecision | null;
  motivation: string | null;
  decidedAt: string | null;
  /** Decisions taken earlier in this deliberation on this block (a deferral later decided), oldest first. */
  earlier: Array<{ decision: BlockDecision; proposal: Proposal; decidedAt: string | null }>;
  /** True while the block stands deferred. */
  deferred: boolean;
  criteria: { total: number; scored: number; acquired: number; neutralised: number };
  neutralised: Array<{ criterion: string; text: string | null; opinionId: string; opinion: { criteria: string[]; motivation: string | null; givenBy: string | null; givenAt: string | null } | null }>;
  /** Only on a block enrolled on a VAE file: decided on the file and the interview, `proposal` being what absent scores compute. */
  vae?: { decidedOn: 'file-and-interview'; applicationId: string; fileCovers: boolean; interviewHeldOn: string | null };
}

export interface JuryRecordInput {
  jury: JuryState;
  referential: ReferentialState;
  session: SessionView;
  candidates: Readonly<Record<string, CandidateView>>;
  /** The identity's plaintext, or null when its key was erased (an empty object when the reader sees a pseudonym only). */
  reveal(value: SealedValue): unknown;
  /**
   * A free text of the candidate's as the reader may see it: the text,
   * "[withheld]" or "[erased]" (docs/security.md, "Who sees what").
   */
  text(value: StoredText | SealedValue | null | undefined, kind: TextKind, candidateId: string): string | null;
  /** A member's approval comment as the reader may see it (not about one candidate: sealed under the record's key). */
  approvalComment?(value: StoredText | undefined): string | null;
  /** RECORD_APPROVAL_REQUIRED: the president's approval makes the record final (default true). */
  approvalRequired?: boolean;
  /** A revision jury: the jury it revises, whose VAE interviews count for its decisions. */
  revised?: Pick<JuryState, 'vaeInterviews'> | null;
}

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function candidatesOf(jury: JuryState): string[] {
  const ids = new Set<string>([...jury.decisions.map((d) => d.candidateId), ...jury.neutralisations.map((n) => n.candidateId), ...jury.recusals.map((r) => r.candidateId)]);
  return [...ids].sort(byCode);
}

export function buildJuryRecord({ jury, referential, session, candidates, reveal, text, approvalComment, approvalRequired = true, revised = null }: JuryRecordInput): JuryRecord {
  const doc = referential.document;
  const names = new Map(jury.members.map((m) => [m.userId, m.name]));
  const sessionId = jury.sessionId!;
  const blockOrder = (code: string) => {
    const i = doc ? doc.blocks.findIndex((b) => b.code === code) : -1;
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };

  // Every candidate the jury touched, and every candidate the caller passes (those enrolled in the session, undecided ones included).
  const listed = [...new Set([...candidatesOf(jury), ...Object.keys(candidates)])].sort(byCode);
  const candidateRecords = listed.map((candidateId): CandidateRecord => {
    const view = candidates[candidateId];
    const identity = view?.identity && !view.erased ? (reveal(view.identity) as { givenName?: string; familyName?: string } | null) : null;
    const name = identity && (identity.givenName || identity.familyName) ? [identity.givenName, identity.familyName].filter(Boolean).join(' ') : null;
    const enrolled = view?.enrolments[sessionId]?.blocks ?? [];
    const decided = jury.decisions.filter((d) => d.candidateId === candidateId).map((d) => d.block);
    const blocks = [...new Set([...enrolled, ...decided])].sort((a, b) => blockOrder(a) - blockOrder(b) || byCode(a, b));
    const vaeId = view?.enrolments[sessionId]?.vaeApplicationId;
    const application = vaeId ? (view?.vaeApplications ?? []).find((a) => a.applicationId === vaeId) : undefined;
    const interview = application ? vaeInterviewOf(jury, candidateId, application.applicationId) ?? (revised ? vaeInterviewOf(revised, candidateId, application.applicationId) : undefined) : undefined;
    const vae: VaeRecord | undefined = application && {
      applicationId: application.applicationId,
      certificationCode: application.certificationCode,
      blocks: [...application.blocks],
      summary: text(application.summary, 'personal', candidateId),
      admissibility: application.admissibility && {
        admissible: application.admissibility.admissible,
        motivation: text(application.admissibility.motivation, 'personal', candidateId),
        decidedAt: application.admissibility.decidedAt,
      },
      file: application.file && { blocks: [...application.file.blocks], description: text(application.file.description, 'personal', candidateId), submittedAt: application.file.submittedAt },
      interview: interview ? { heldOn: interview.heldOn, memberId: interview.memberId, name: names.get(interview.memberId) ?? interview.memberId, notes: text(interview.notes, 'personal', candidateId) } : null,
    };
    return {
      candidateId,
      name,
      erased: !!view?.erased || (!!view?.identity && identity === null),
      recusedMembers: jury.recusals.filter((r) => r.candidateId === candidateId).map((r) => r.userId).sort(byCode),
      blocks: blocks.map((block): BlockRecord => {
        const decision = decisionOf(jury, candidateId, block);
        const neutral = neutralisedFor(jury, candidateId, block);
        const outcome = view?.outcome ?? initialOutcome();
        const computed = proposeSessionBlock(
          doc?.validationRule ?? 'all-criteria',
          doc ? criteriaOfBlock(doc, block) : [],
          new Map(Object.entries(view?.scores[sessionId] ?? {})),
          neutral,
          outcome,
          sessionId,
          block,
        );
        const onFile = vae ? { vae: { decidedOn: 'file-and-interview' as const, applicationId: vae.applicationId, fileCovers: !!vae.file?.blocks.includes(block), interviewHeldOn: vae.interview?.heldOn ?? null } } : {};
        return {
          ...onFile,
          block,
          title: doc ? findBlock(doc, block)?.title ?? null : null,
          proposal: decision ? decision.proposal : computed.proposal,
          notEvaluated: computed.notEvaluated,
          attempt: attemptOf(outcome, sessionId, block) ?? null,
          decision: decision?.decision ?? null,
          motivation: text(decision?.motivation, 'personal', candidateId),
          decidedAt: decision?.decidedAt ?? null,
          earlier: jury.decisions
            .filter((d) => d.candidateId === candidateId && d.block === block && d !== decision)
            .map((d) => ({ decision: d.decision, proposal: d.proposal, decidedAt: d.decidedAt })),
          deferred: decision?.decision === 'deferred',
          criteria: computed.criteria,
          neutralised: jury.neutralisations
            .filter((n) => n.candidateId === candidateId && n.block === block)
            .sort((a, b) => byCode(a.criterion, b.criterion))
            .map((n) => {
              const opinion = view?.opinions[n.opinionId];
              const motivation = opinion ? text(opinion.motivation, 'health', candidateId) : null;
              return {
                criterion: n.criterion,
                text: doc ? locateCriterion(doc, n.criterion)?.criterion.text ?? null : null,
                opinionId: n.opinionId,
                opinion: opinion ? { criteria: [...opinion.criteria], motivation, givenBy: opinion.givenBy ?? null, givenAt: opinion.givenAt ?? null } : null,
              };
            }),
        };
      }),
      awards: (view?.outcome.awards ?? [])
        .filter((a) => a.juryId === jury.juryId)
        .map((a) => ({
          certificationCode: a.certificationCode,
          referentialId: a.referentialId,
          awardedOn: a.awardedOn,
          blocks: a.blocks.map((b) => ({
            block: b.block,
            juryId: b.juryId,
            sessionId: b.sessionId ?? null,
            validatedOn: b.validatedOn ?? null,
            byEquivalence: b.equivalence ? { referentialId: b.equivalence.referentialId, block: b.equivalence.block } : null,
          })),
          withdrawn: a.withdrawn ? { juryId: a.withdrawn.juryId, reason: a.withdrawn.reason } : null,
        })),
      withdrawals: (view?.outcome.awards ?? [])
        .filter((a) => a.withdrawn?.juryId === jury.juryId)
        .map((a) => ({ certificationCode: a.certificationCode, awardEventId: a.eventId, reason: a.withdrawn!.reason })),
      frauds: (view?.fraudReports ?? [])
        .filter((r) => r.sessionId === sessionId)
        .map((r) => {
          const ruled = (view?.outcome.frauds ?? []).find((f) => f.reportId === r.reportId);
          const own = (jury.frauds ?? []).find((f) => f.reportId === r.reportId);
          return {
            reportId: r.reportId,
            blocks: [...r.blocks],
            reportedBy: r.reportedBy,
            reportedAt: r.reportedAt,
            description: text(r.description, 'personal', candidateId),
            decision: ruled
              ? { juryId: ruled.juryId, outcome: ruled.outcome, banUntil: ruled.banUntil, motivation: own ? text(own.motivation, 'personal', candidateId) : null, decidedAt: own?.decidedAt ?? null }
              : null,
          };
        }),
      accommodations: (view?.accommodations ?? [])
        .filter((a) => a.status === 'granted')
        .map((a) => ({
          requestId: a.requestId,
          types: [...a.types],
          extraTimePercent: a.extraTimePercent,
          reason: text(a.reason, 'health', candidateId),
          applied: a.applied.filter((x) => x.sessionId === sessionId).map((x) => ({ evaluation: x.evaluation, note: text(x.note, 'health', candidateId) })),
        })),
      ...(vae ? { vae } : {}),
    };
  });

  return {
    juryId: jury.juryId!,
    status: jury.status as Exclude<JuryStatus, 'none'>,
    session: { sessionId, title: session.title, startsOn: session.startsOn, endsOn: session.endsOn },
    certification: {
      referentialId: jury.referentialId!,
      code: doc?.code ?? null,
      title: doc?.title ?? null,
      level: doc?.level ?? null,
      certifier: doc?.certifier ?? null,
      version: referential.version,
      validationRule: doc?.validationRule ?? null,
    },
    revises: jury.revises,
    convenedAt: jury.convenedAt,
    openedAt: jury.openedAt,
    closedAt: jury.seal?.closedAt ?? null,
    members: jury.members.map((m) => ({ userId: m.userId, name: m.name, president: m.president, professional: m.professional, present: true })),
    recusals: jury.recusals
      .map((r) => ({ userId: r.userId, name: names.get(r.userId) ?? r.userId, candidateId: r.candidateId, reason: text(r.reason, 'personal', r.candidateId) ?? '' }))
      .sort((a, b) => byCode(a.candidateId, b.candidateId) || byCode(a.userId, b.userId)),
    designations: jury.designations.map((d) => ({ userId: d.userId, name: names.get(d.userId) ?? d.userId, previousUserId: d.previousUserId, designatedAt: d.designatedAt })),
    candidates: candidateRecords,
    sealHash: jury.seal?.sealHash ?? null,
    signature: jury.seal?.signature ?? null,
    keyFingerprint: jury.seal?.keyFingerprint ?? null,
    approvals: jury.approvals.map((a) => ({
      memberId: a.memberId,
      name: names.get(a.memberId) ?? a.memberId,
      president: a.president,
      approvedAt: a.at,
      sealHash: a.sealHash,
      comment: a.comment === undefined ? null : approvalComment ? approvalComment(a.comment) : null,
    })),
    approvalStatus: approvalStatus(jury),
    final: recordIsFinal(jury, approvalRequired),
  };
}
