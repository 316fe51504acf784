import { DecisionContext, fold, RecordedEvent } from '../shared/decider';
import { given } from '../testing/given-when-then';
import { ReferentialDocument } from '../referential/referential';
import { CandidateState, candidateSpec } from '../candidate/candidate';
import { SealedMotivation } from '../shared/free-text';
import { approvalStatus, BlockDecision, JuryMember, JuryState, jurySpec, recordIsFinal, Revises } from './jury';
import { addMonths, AppealDeps, appealDecider, departsFromProposal, JuryCommand, juryDecider, JuryDeps, LodgeAppeal } from './jury-decider';
import { SessionView } from './views';
import { decisionInForce, targetOf } from '../candidate/outcome';

const JURY = 'a0000000-0000-4000-8000-000000000001';
const OTHER_JURY = 'a0000000-0000-4000-8000-000000000002';
const SESSION = 'b0000000-0000-4000-8000-000000000001';
const EARLIER_SESSION = 'b0000000-0000-4000-8000-000000000002';
const REF = 'c0000000-0000-4000-8000-000000000001';
const CAND = 'd0000000-0000-4000-8000-000000000001';
const OPINION = 'e0000000-0000-4000-8000-000000000001';
const sealed = { alg: 'A256GCM', kid: CAND, iv: 'aXY=', ct: 'Y3Q=', tag: 'dGFn' };

const doc: ReferentialDocument = {
  code: 'RNCP00000',
  title: 'Manager marketing et commercial',
  certifier: 'CDE FEDE FRANCE',
  validationRule: 'all-criteria',
  blocks: [
    {
      code: 'BC01',
      title: 'Stratégie',
      competences: [
        {
          code: 'C1',
          title: 'Analyser',
          criteria: [
            { code: 'CE1.1', text: 'core one', core: true },
            { code: 'CE1.2', text: 'not core', core: false },
          ],
        },
      ],
    },
    { code: 'BC02', title: 'Pilotage', competences: [{ code: 'C2', title: 'Piloter', criteria: [{ code: 'CE2.1', text: 'core two', core: true }] }] },
  ],
};

const members: JuryMember[] = [
  { userId: 'pres', name: 'Paule Président', president: true, professional: false },
  { userId: 'pro', name: 'Pierre Pro', president: false, professional: true },
];
const asPresident = { actor: { id: 'pres', role: 'jury' as const } };
const asMember = { actor: { id: 'pro', role: 'jury' as const } };
const asStranger = { actor: { id: 'stranger', role: 'jury' as const } };

const ev = (type: string, data: Record<string, unknown>, recordedAt?: string): RecordedEvent => ({ type, data, recordedAt });
const convened = (revises?: object) => ev('JuryConvened', { juryId: JURY, sessionId: SESSION, referentialId: REF, members, ...(revises ? { revises } : {}) });
const opened = ev('DeliberationOpened', { juryId: JURY });
const closedEv = (at = '2026-06-20T10:00:00.000Z', juryId = JURY) => ev('DeliberationClosed', { juryId, sealHash: 'h', signature: 's', keyFingerprint: 'k', closedAt: at });

/** A command and its context (who sends it, and what the handler would load): spread into `when`. */
type Ctx = Partial<DecisionContext> & JuryDeps;
type When = [JuryCommand, Ctx];

function candidate(...more: RecordedEvent[]): CandidateState {
  return fold(candidateSpec, [
    ev('CandidateRegistered', { candidateId: CAND, identity: sealed, accessRoute: 'vae' }),
    ev('CandidateEnrolled', { candidateId: CAND, sessionId: SESSION, referentialId: REF, blocks: ['BC01', 'BC02'] }),
    ...more,
  ]);
}
const score = (criterion: string, result = 'acquired', sessionId = SESSION) =>
  ev('CriterionScored', { candidateId: CAND, sessionId, block: criterion.startsWith('CE1') ? 'BC01' : 'BC02', criterion, result });
const opinion = (criteria = ['CE1.2']) => ev('NeutralisationRecommended', { candidateId: CAND, opinionId: OPINION, criteria, motivation: sealed });
const allScored = () => [score('CE1.1'), score('CE1.2'), score('CE2.1')];

const closeCommand = (seal: { sealHash: string; signature: string; keyFingerprint: string }, who: Ctx = {}): When => [
  { type: 'CloseDeliberation', data: { seal } },
  { ...who, target: targetOf(REF, 1, doc), candidates: {}, closings: {} },
];

/** A free text as the handler hands it in: sealed under the candidate's key (here a fake ciphertext naming the text). */
const sealedText = (text: string) => ({ ...sealed, alg: 'A256GCM' as const, ct: text });
/** A motivation as the handler hands it in: trimmed, sealed, with its length and the configured minimum (10). */
const motivated = (text: string | undefined, minLength = 10) => (text?.trim() ? { sealed: sealedText(text.trim()), length: [...text.trim()].length, minLength } : null);

interface DecideOver {
  block?: string;
  decision?: BlockDecision;
  /** The motivation as typed; `sealedMotivation` gives the sealed one as is. */
  motivation?: string;
  sealedMotivation?: SealedMotivation | null;
  candidate?: CandidateState;
  revised?: JuryState | null;
  closings?: Record<string, string | null>;
}
const decide = ({ block = 'BC01', decision = 'validated', motivation, sealedMotivation, candidate: file = candidate(...allScored()), revised = null, closings }: DecideOver = {}, who: Ctx = {}): When => [
  { type: 'DecideBlock', data: { candidateId: CAND, block, decision, motivation: sealedMotivation !== undefined ? sealedMotivation : motivated(motivation) } },
  { ...who, candidate: file, referential: doc, revised, ...(closings ? { closings } : {}) },
];

describe('jury decider', () => {
  describe('convene', () => {
    const session: SessionView = { sessionId: SESSION, referentialId: REF, title: 'Juin', startsOn: '2026-06-01', endsOn: '2026-06-30' };
    interface ConveneOver {
      juryId?: string;
      sessionId?: string;
      members?: JuryMember[];
      revises?: Revises;
      session?: SessionView;
      revised?: { state: JuryState; appeals: Array<{ appealId: string; juryId: string }> };
    }
    const cmd = ({ juryId = JURY, sessionId = SESSION, members: sitting = members, revises, session: at = session, revised }: ConveneOver = {}): When => [
      { type: 'ConveneJury', data: { juryId, sessionId, members: sitting, ...(revises ? { revises } : {}) } },
      { session: at, ...(revised ? { revised: revised.state, appeals: revised.appeals } : {}) },
    ];

    it('records the jury with the session referential', () => {
      given(juryDecider).when(...cmd()).then([{ type: 'JuryConvened', data: { juryId: JURY, sessionId: SESSION, referentialId: REF, members } }]);
    });
    it('needs the session to exist', () => {
      given(juryDecider).when(...cmd({ session: { sessionId: null, referentialId: null, title: null, startsOn: null, endsOn: null } })).thenThrows('NOT_FOUND');
    });
    it('needs exactly one president', () => {
      given(juryDecider).when(...cmd({ members: members.map((m) => ({ ...m, president: false })) })).thenThrows('PRESIDENT_REQUIRED');
      given(juryDecider).when(...cmd({ members: members.map((m) => ({ ...m, president: true })) })).thenThrows('PRESIDENT_REQUIRED');
    });
    it('needs a professional of the field', () => {
      given(juryDecider).when(...cmd({ members: members.map((m) => ({ ...m, professional: false })) })).thenThrows('PROFESSIONAL_REQUIRED');
    });
    it('refuses a user sitting twice', () => {
      given(juryDecider).when(...cmd({ members: [...members, { ...members[1], name: 'again' }] })).thenThrows('DUPLICATE_MEMBER');
    });
    it('refuses convening the same jury twice', () => {
      given(juryDecider, [convened()]).when(...cmd()).thenThrows('JURY_ALREADY_CONVENED');
    });

    describe('a revision jury', () => {
      const revisedOpen = fold(jurySpec, [convened(), opened]);
      const revisedClosed = fold(jurySpec, [convened(), opened, closedEv()]);
      const revise = (over: ConveneOver) => cmd({ juryId: OTHER_JURY, ...over });
      it('revises a closed jury of the same session', () => {
        given(juryDecider)
          .when(...revise({ revises: { juryId: JURY, reason: 'material-error' }, revised: { state: revisedClosed, appeals: [] } }))
          .thenMatch([{ type: 'JuryConvened', data: { juryId: OTHER_JURY, revises: { juryId: JURY, reason: 'material-error' } } }]);
      });
      it('refuses to revise a jury that is not closed', () => {
        given(juryDecider).when(...revise({ revises: { juryId: JURY, reason: 'material-error' }, revised: { state: revisedOpen, appeals: [] } })).thenThrows('REVISED_JURY_NOT_CLOSED');
      });
      it('refuses to revise an unknown jury', () => {
        given(juryDecider).when(...revise({ revises: { juryId: JURY, reason: 'material-error' }, revised: { state: fold(jurySpec, []), appeals: [] } })).thenThrows('NOT_FOUND');
      });
      it('refuses another session', () => {
        given(juryDecider)
          .when(...revise({ sessionId: EARLIER_SESSION, session: { ...session, sessionId: EARLIER_SESSION }, revises: { juryId: JURY, reason: 'material-error' }, revised: { state: revisedClosed, appeals: [] } }))
          .thenThrows('REVISION_SESSION_MISMATCH');
      });
      it('on appeal, names an appeal lodged against the revised jury', () => {
        const revises: Revises = { juryId: JURY, reason: 'appeal', appealId: OPINION };
        given(juryDecider).when(...revise({ revises, revised: { state: revisedClosed, appeals: [] } })).thenThrows('APPEAL_NOT_FOUND');
        given(juryDecider).when(...revise({ revises: { juryId: JURY, reason: 'appeal' }, revised: { state: revisedClosed, appeals: [] } })).thenThrows('VALIDATION_FAILED');
        given(juryDecider)
          .when(...revise({ revises, revised: { state: revisedClosed, appeals: [{ appealId: OPINION, juryId: JURY }] } }))
          .thenMatch([{ type: 'JuryConvened', data: { revises } }]);
      });
    });
  });

  describe('membership', () => {
    it('refuses a non-member on every jury command (403)', () => {
      given(juryDecider, [convened()]).when({ type: 'OpenDeliberation', data: {} }, asStranger).thenThrows('FORBIDDEN');
      given(juryDecider, [convened(), opened]).when(...decide({}, asStranger)).thenThrows('FORBIDDEN');
      given(juryDecider, [convened()]).when({ type: 'RecuseMember', data: { candidateId: CAND, reason: sealedText('x') } }, { ...asStranger, candidate: candidate() }).thenThrows('FORBIDDEN');
    });
    it('refuses president-only commands to other members (403)', () => {
      given(juryDecider, [convened()]).when({ type: 'OpenDeliberation', data: {} }, asMember).thenThrows('FORBIDDEN');
      given(juryDecider, [convened(), opened]).when(...decide({}, asMember)).thenThrows('FORBIDDEN');
      given(juryDecider, [convened(), opened])
        .when({ type: 'NeutraliseCriterion', data: { candidateId: CAND, criterion: 'CE1.2', opinionId: OPINION } }, { ...asMember, candidate: candidate(opinion()), referential: doc })
        .thenThrows('FORBIDDEN');
      given(juryDecider, [convened(), opened]).when(...closeCommand({ sealHash: 'h', signature: 's', keyFingerprint: 'k' }, asMember)).thenThrows('FORBIDDEN');
    });
  });

  describe('recusal', () => {
    const recuse = (c = candidate(), who: Ctx = {}): When => [{ type: 'RecuseMember', data: { candidateId: CAND, reason: sealedText('former employer') } }, { ...who, candidate: c }];
    it('records the member recusing themself', () => {
      given(juryDecider, [convened()]).when(...recuse(candidate(), asMember)).then([{ type: 'MemberRecused', data: { juryId: JURY, userId: 'pro', candidateId: CAND, reason: sealedText('former employer') } }]);
    });
    it('only once per member and candidate', () => {
      given(juryDecider, [convened(), ev('MemberRecused', { juryId: JURY, userId: 'pro', candidateId: CAND, reason: 'x' })]).when(...recuse(candidate(), asMember)).thenThrows('ALREADY_RECUSED');
    });
    it('only for a candidate of the session', () => {
      const elsewhere = fold(candidateSpec, [ev('CandidateRegistered', { candidateId: CAND, identity: sealed })]);
      given(juryDecider, [convened()]).when(...recuse(elsewhere, asMember)).thenThrows('CANDIDATE_NOT_IN_SESSION');
      given(juryDecider, [convened()]).when(...recuse(fold(candidateSpec, []), asMember)).thenThrows('NOT_FOUND');
    });
    it('not after close', () => {
      given(juryDecider, [convened(), opened, closedEv()]).when(...recuse(candidate(), asMember)).thenThrows('DELIBERATION_CLOSED');
    });
  });

  describe('open', () => {
    it('opens once', () => {
      given(juryDecider, [convened()]).when({ type: 'OpenDeliberation', data: {} }, asPresident).then([{ type: 'DeliberationOpened', data: { juryId: JURY } }]);
      given(juryDecider, [convened(), opened]).when({ type: 'OpenDeliberation', data: {} }, asPresident).thenThrows('DELIBERATION_ALREADY_OPEN');
      given(juryDecider, [convened(), opened, closedEv()]).when({ type: 'OpenDeliberation', data: {} }, asPresident).thenThrows('DELIBERATION_CLOSED');
    });
  });

  describe('neutralise', () => {
    const neutralise = (criterion = 'CE1.2', c = candidate(opinion()), who: Ctx = {}): When => [
      { type: 'NeutraliseCriterion', data: { candidateId: CAND, criterion, opinionId: OPINION } },
      { ...who, candidate: c, referential: doc },
    ];
    it('neutralises a non-core criterion named by a referent opinion', () => {
      given(juryDecider, [convened(), opened])
        .when(...neutralise('CE1.2', candidate(opinion()), asPresident))
        .then([{ type: 'CriterionNeutralised', data: { juryId: JURY, candidateId: CAND, block: 'BC01', criterion: 'CE1.2', opinionId: OPINION } }]);
    });
    it('never a core criterion', () => {
      given(juryDecider, [convened(), opened]).when(...neutralise('CE1.1', candidate(opinion(['CE1.1'])), asPresident)).thenThrows('CRITERION_IS_CORE');
    });
    it('needs the opinion to exist and name the criterion', () => {
      given(juryDecider, [convened(), opened]).when(...neutralise('CE1.2', candidate(), asPresident)).thenThrows('NO_REFERENT_OPINION');
      given(juryDecider, [convened(), opened]).when(...neutralise('CE1.2', candidate(opinion(['CE2.1'])), asPresident)).thenThrows('NO_REFERENT_OPINION');
    });
    it('only a criterion of the enrolled blocks', () => {
      const onlyBc02 = fold(candidateSpec, [
        ev('CandidateRegistered', { candidateId: CAND, identity: sealed }),
        ev('CandidateEnrolled', { candidateId: CAND, sessionId: SESSION, referentialId: REF, blocks: ['BC02'] }),
        opinion(),
      ]);
      given(juryDecider, [convened(), opened]).when(...neutralise('CE1.2', onlyBc02, asPresident)).thenThrows('CRITERION_NOT_IN_ENROLMENT');
      given(juryDecider, [convened(), opened]).when(...neutralise('CE99.9', candidate(opinion()), asPresident)).thenThrows('CRITERION_NOT_IN_ENROLMENT');
    });
    it('once, and not after the block was decided', () => {
      const n = ev('CriterionNeutralised', { juryId: JURY, candidateId: CAND, block: 'BC01', criterion: 'CE1.2', opinionId: OPINION });
      given(juryDecider, [convened(), opened, n]).when(...neutralise('CE1.2', candidate(opinion()), asPresident)).thenThrows('CRITERION_ALREADY_NEUTRALISED');
      const d = ev('BlockDecided', { juryId: JURY, candidateId: CAND, block: 'BC01', decision: 'validated', proposal: 'acquired' });
      given(juryDecider, [convened(), opened, d]).when(...neutralise('CE1.2', candidate(opinion()), asPresident)).thenThrows('BLOCK_ALREADY_DECIDED');
    });
    it('needs the deliberation open', () => {
      given(juryDecider, [convened()]).when(...neutralise('CE1.2', candidate(opinion()), asPresident)).thenThrows('DELIBERATION_NOT_OPEN');
      given(juryDecider, [convened(), opened, closedEv()]).when(...neutralise('CE1.2', candidate(opinion()), asPresident)).thenThrows('DELIBERATION_CLOSED');
    });
    it('not by a recused president', () => {
      given(juryDecider, [convened(), opened, ev('MemberRecused', { juryId: JURY, userId: 'pres', candidateId: CAND, reason: 'cousin' })])
        .when(...neutralise('CE1.2', candidate(opinion()), asPresident))
        .thenThrows('MEMBER_RECUSED');
    });
  });

  describe('decide', () => {
    it('validates an acquired block, recorded in the jury and in the candidate file', () => {
      given(juryDecider, [convened(), opened])
        .when(...decide({}, asPresident))
        .then([
          { type: 'BlockDecided', data: { juryId: JURY, candidateId: CAND, block: 'BC01', decision: 'validated', proposal: 'acquired' } },
          { type: 'BlockDecisionRecorded', data: { candidateId: CAND, juryId: JURY, sessionId: SESSION, block: 'BC01', decision: 'validated', revision: false } },
        ]);
    });
    it('needs a motivation to depart from the proposal', () => {
      const notAcquired = candidate(score('CE1.1'), score('CE1.2', 'not-acquired'));
      given(juryDecider, [convened(), opened]).when(...decide({ candidate: notAcquired }, asPresident)).thenThrows('MOTIVATION_REQUIRED');
      given(juryDecider, [convened(), opened]).when(...decide({ decision: 'not-validated' }, asPresident)).thenThrows('MOTIVATION_REQUIRED');
      given(juryDecider, [convened(), opened]).when(...decide({ decision: 'deferred', motivation: '   ' }, asPresident)).thenThrows('MOTIVATION_REQUIRED');
      given(juryDecider, [convened(), opened])
        .when(...decide({ candidate: notAcquired, motivation: ' Jury souverain : excellente soutenance ' }, asPresident))
        .thenMatch([{ type: 'BlockDecided', data: { decision: 'validated', proposal: 'not-acquired', motivation: sealedText('Jury souverain : excellente soutenance') } }, {}]);
    });
    it('refuses a motivation too short to say anything (MOTIVATION_MIN_LENGTH), required or not', () => {
      const notAcquired = candidate(score('CE1.1'), score('CE1.2', 'not-acquired'));
      given(juryDecider, [convened(), opened]).when(...decide({ candidate: notAcquired, motivation: '…' }, asPresident)).thenThrows('MOTIVATION_REQUIRED');
      given(juryDecider, [convened(), opened]).when(...decide({ candidate: notAcquired, motivation: ' too short ' }, asPresident)).thenThrows('MOTIVATION_REQUIRED');
      given(juryDecider, [convened(), opened]).when(...decide({ motivation: 'ok' }, asPresident)).thenThrows('MOTIVATION_TOO_SHORT');
      given(juryDecider, [convened(), opened]).when(...decide({ candidate: notAcquired, motivation: '0123456789' }, asPresident)).thenMatch([{ type: 'BlockDecided' }, {}]);
      given(juryDecider, [convened(), opened])
        .when(...decide({ candidate: notAcquired, sealedMotivation: motivated('ok', 2) }, asPresident))
        .thenMatch([{ type: 'BlockDecided', data: { motivation: sealedText('ok') } }, {}]);
    });
    it('departsFromProposal: not-validated agrees with not-acquired and not-evaluated, validated with acquired only', () => {
      expect(departsFromProposal('not-validated', 'not-evaluated')).toBe(false);
      expect(departsFromProposal('validated', 'not-evaluated')).toBe(true);
      expect(departsFromProposal('deferred', 'not-evaluated')).toBe(true);
      expect(departsFromProposal('not-validated', 'incomplete')).toBe(true);
    });
    it('agrees without motivation on not-validated / not-acquired', () => {
      given(juryDecider, [convened(), opened])
        .when(...decide({ decision: 'not-validated', candidate: candidate(score('CE1.1'), score('CE1.2', 'not-acquired')) }, asPresident))
        .thenMatch([{ type: 'BlockDecided', data: { decision: 'not-validated', proposal: 'not-acquired' } }, {}]);
    });
    it('defers or refuses an incomplete block only with a motivation', () => {
      const incomplete = candidate(score('CE1.1'));
      given(juryDecider, [convened(), opened]).when(...decide({ decision: 'deferred', candidate: incomplete }, asPresident)).thenThrows('MOTIVATION_REQUIRED');
      given(juryDecider, [convened(), opened])
        .when(...decide({ decision: 'deferred', candidate: incomplete, motivation: 'épreuve à repasser' }, asPresident))
        .thenMatch([{ type: 'BlockDecided', data: { decision: 'deferred', proposal: 'incomplete' } }, {}]);
    });
    describe('a block not evaluated (absence)', () => {
      const absent = (justified: boolean) => ev('CandidateAbsent', { candidateId: CAND, sessionId: SESSION, modality: 'M1', block: 'BC01', justified });
      it('is never validated, motivated or not (422 BLOCK_NOT_EVALUATED), even with every criterion scored acquired', () => {
        given(juryDecider, [convened(), opened]).when(...decide({ candidate: candidate(...allScored(), absent(true)) }, asPresident)).thenThrows('BLOCK_NOT_EVALUATED');
        given(juryDecider, [convened(), opened]).when(...decide({ candidate: candidate(absent(false)), motivation: 'le jury est souverain' }, asPresident)).thenThrows('BLOCK_NOT_EVALUATED');
      });
      it('is recorded not validated on the proposal not-evaluated, without motivation', () => {
        given(juryDecider, [convened(), opened])
          .when(...decide({ decision: 'not-validated', candidate: candidate(absent(true)) }, asPresident))
          .thenMatch([{ type: 'BlockDecided', data: { decision: 'not-validated', proposal: 'not-evaluated' } }, { type: 'BlockDecisionRecorded', data: { decision: 'not-validated' } }]);
      });
      it('is deferred only with a motivation, as any deferral', () => {
        given(juryDecider, [convened(), opened]).when(...decide({ decision: 'deferred', candidate: candidate(absent(false)) }, asPresident)).thenThrows('MOTIVATION_REQUIRED');
        given(juryDecider, [convened(), opened])
          .when(...decide({ decision: 'deferred', candidate: candidate(absent(false)), motivation: 'en attente du justificatif' }, asPresident))
          .thenMatch([{ type: 'BlockDecided', data: { decision: 'deferred', proposal: 'not-evaluated' } }, {}]);
      });
      it('an absence in another session leaves this session’s block to its scores', () => {
        const elsewhere = ev('CandidateAbsent', { candidateId: CAND, sessionId: EARLIER_SESSION, modality: 'M1', block: 'BC01', justified: false });
        given(juryDecider, [convened(), opened])
          .when(...decide({ candidate: candidate(ev('CandidateEnrolled', { candidateId: CAND, sessionId: EARLIER_SESSION, referentialId: REF, blocks: ['BC01'] }), elsewhere, ...allScored()) }, asPresident))
          .thenMatch([{ type: 'BlockDecided', data: { decision: 'validated', proposal: 'acquired' } }, {}]);
      });
    });
    describe('a reported fraud (DecideFraud)', () => {
      const REPORT = 'f0000000-0000-4000-8000-000000000001';
      const reported = (sessionId = SESSION) => ev('FraudReported', { candidateId: CAND, reportId: REPORT, sessionId, blocks: ['BC02'], description: sealed });
      const fraud = (outcome: string, over: { banUntil?: string | null; motivation?: string; file?: CandidateState } = {}, who: Ctx = asPresident): When => [
        { type: 'DecideFraud', data: { candidateId: CAND, reportId: REPORT, outcome: outcome as never, banUntil: over.banUntil ?? null, motivation: motivated(over.motivation ?? 'antisèche trouvée sur la table') } },
        { ...who, candidate: over.file ?? candidate(reported()) },
      ];
      it('annuls the evaluation of the blocks reported: FraudDecided in the record, FraudDecisionRecorded in the file', () => {
        given(juryDecider, [convened(), opened])
          .when(...fraud('evaluation-annulled'))
          .then([
            { type: 'FraudDecided', data: { juryId: JURY, candidateId: CAND, reportId: REPORT, blocks: ['BC02'], outcome: 'evaluation-annulled', motivation: sealedText('antisèche trouvée sur la table') } },
            { type: 'FraudDecisionRecorded', data: { candidateId: CAND, juryId: JURY, sessionId: SESSION, reportId: REPORT, blocks: ['BC02'], outcome: 'evaluation-annulled' } },
          ]);
      });
      it('a ban needs an end date after today (the context’s clock); other outcomes take none', () => {
        given(juryDecider, [convened(), opened]).when(...fraud('ban')).thenThrows('BAN_END_REQUIRED');
        given(juryDecider, [convened(), opened]).when(...fraud('ban', { banUntil: '2026-06-15' })).thenThrows('BAN_END_REQUIRED');
        given(juryDecider, [convened(), opened]).when(...fraud('none', { banUntil: '2027-06-15' })).thenThrows('BAN_END_REQUIRED');
        given(juryDecider, [convened(), opened])
          .when(...fraud('ban', { banUntil: '2027-06-15' }))
          .thenMatch([{ type: 'FraudDecided', data: { outcome: 'ban', banUntil: '2027-06-15' } }, { type: 'FraudDecisionRecorded', data: { outcome: 'ban', banUntil: '2027-06-15' } }]);
      });
      it('needs a motivation', () => {
        given(juryDecider, [convened(), opened]).when(...fraud('none', { motivation: '  ' })).thenThrows('MOTIVATION_REQUIRED');
      });
      it('only the president, in an open deliberation', () => {
        given(juryDecider, [convened(), opened]).when(...fraud('none', {}, asMember)).thenThrows('FORBIDDEN');
        given(juryDecider, [convened()]).when(...fraud('none')).thenThrows('DELIBERATION_NOT_OPEN');
        given(juryDecider, [convened(), opened, closedEv()]).when(...fraud('none')).thenThrows('DELIBERATION_CLOSED');
      });
      it('a report of this jury’s session, decided once', () => {
        given(juryDecider, [convened(), opened]).when(...fraud('none', { file: candidate() })).thenThrows('FRAUD_REPORT_NOT_FOUND');
        given(juryDecider, [convened(), opened])
          .when(...fraud('none', { file: candidate(ev('CandidateEnrolled', { candidateId: CAND, sessionId: EARLIER_SESSION, referentialId: REF, blocks: ['BC02'] }), reported(EARLIER_SESSION)) }))
          .thenThrows('FRAUD_REPORT_NOT_FOUND');
        const ruled = ev('FraudDecisionRecorded', { candidateId: CAND, juryId: JURY, sessionId: SESSION, reportId: REPORT, blocks: ['BC02'], outcome: 'none' });
        given(juryDecider, [convened(), opened]).when(...fraud('evaluation-annulled', { file: candidate(reported(), ruled) })).thenThrows('FRAUD_ALREADY_DECIDED');
      });
      it('annuls before the jury decides the blocks (a deferred block is still before it)', () => {
        const decided = (decision: string) => ev('BlockDecided', { juryId: JURY, candidateId: CAND, block: 'BC02', decision, proposal: 'incomplete' });
        given(juryDecider, [convened(), opened, decided('not-validated')]).when(...fraud('evaluation-annulled')).thenThrows('BLOCK_ALREADY_DECIDED');
        given(juryDecider, [convened(), opened, decided('deferred')]).when(...fraud('evaluation-annulled')).thenMatch([{ type: 'FraudDecided' }, {}]);
        given(juryDecider, [convened(), opened, decided('not-validated')]).when(...fraud('none')).thenMatch([{ type: 'FraudDecided', data: { outcome: 'none' } }, {}]);
      });
      it('an annulled block is then not evaluated: never validated', () => {
        const ruled = ev('FraudDecisionRecorded', { candidateId: CAND, juryId: JURY, sessionId: SESSION, reportId: REPORT, blocks: ['BC02'], outcome: 'evaluation-annulled' });
        given(juryDecider, [convened(), opened]).when(...decide({ block: 'BC02', candidate: candidate(reported(), ruled, ...allScored()) }, asPresident)).thenThrows('BLOCK_NOT_EVALUATED');
        given(juryDecider, [convened(), opened])
          .when(...decide({ block: 'BC02', decision: 'not-validated', candidate: candidate(reported(), ruled, ...allScored()) }, asPresident))
          .thenMatch([{ type: 'BlockDecided', data: { proposal: 'not-evaluated' } }, {}]);
      });
    });
    it('a resit is proposed on this session’s scores only: an earlier session’s do not carry over', () => {
      const earlier = [
        ev('CandidateEnrolled', { candidateId: CAND, sessionId: EARLIER_SESSION, referentialId: REF, blocks: ['BC02'] }),
        score('CE2.1', 'acquired', EARLIER_SESSION),
        ev('BlockDecisionRecorded', { candidateId: CAND, juryId: OTHER_JURY, sessionId: EARLIER_SESSION, block: 'BC02', decision: 'not-validated', revision: false }),
      ];
      given(juryDecider, [convened(), opened]).when(...decide({ block: 'BC02', candidate: candidate(...earlier) }, asPresident)).thenThrows('SCORES_INCOMPLETE');
      given(juryDecider, [convened(), opened])
        .when(...decide({ block: 'BC02', decision: 'not-validated', candidate: candidate(...earlier, score('CE2.1', 'not-acquired')) }, asPresident))
        .thenMatch([{ type: 'BlockDecided', data: { proposal: 'not-acquired' } }, {}]);
    });
    it('never validates with unscored criteria, motivated or not', () => {
      given(juryDecider, [convened(), opened]).when(...decide({ candidate: candidate(score('CE1.1')), motivation: 'trust us' }, asPresident)).thenThrows('SCORES_INCOMPLETE');
    });
    it("leaves this jury's neutralised criteria out of the proposal", () => {
      const n = ev('CriterionNeutralised', { juryId: JURY, candidateId: CAND, block: 'BC01', criterion: 'CE1.2', opinionId: OPINION });
      given(juryDecider, [convened(), opened, n])
        .when(...decide({ candidate: candidate(opinion(), score('CE1.1')) }, asPresident))
        .thenMatch([{ type: 'BlockDecided', data: { decision: 'validated', proposal: 'acquired' } }, {}]);
    });
    it('decides a block once per deliberation', () => {
      const d = ev('BlockDecided', { juryId: JURY, candidateId: CAND, block: 'BC01', decision: 'validated', proposal: 'acquired' });
      given(juryDecider, [convened(), opened, d]).when(...decide({}, asPresident)).thenThrows('BLOCK_ALREADY_DECIDED');
    });
    it('leaves a block decided by another jury of the session to a revision', () => {
      const other = ev('BlockDecisionRecorded', { candidateId: CAND, juryId: OTHER_JURY, sessionId: SESSION, block: 'BC01', decision: 'not-validated', revision: false });
      given(juryDecider, [convened(), opened]).when(...decide({ candidate: candidate(...allScored(), other) }, asPresident)).thenThrows('BLOCK_ALREADY_DECIDED');
    });
    it('only candidates enrolled in the session, for their enrolled blocks', () => {
      const elsewhere = fold(candidateSpec, [
        ev('CandidateRegistered', { candidateId: CAND, identity: sealed }),
        ev('CandidateEnrolled', { candidateId: CAND, sessionId: EARLIER_SESSION, referentialId: REF, blocks: ['BC01'] }),
      ]);
      given(juryDecider, [convened(), opened]).when(...decide({ candidate: elsewhere }, asPresident)).thenThrows('CANDIDATE_NOT_IN_SESSION');
      const onlyBc02 = fold(candidateSpec, [
        ev('CandidateRegistered', { candidateId: CAND, identity: sealed }),
        ev('CandidateEnrolled', { candidateId: CAND, sessionId: SESSION, referentialId: REF, blocks: ['BC02'] }),
      ]);
      given(juryDecider, [convened(), opened]).when(...decide({ candidate: onlyBc02 }, asPresident)).thenThrows('BLOCK_NOT_IN_ENROLMENT');
    });
    it('not by a president recused for that candidate (422 MEMBER_RECUSED)', () => {
      given(juryDecider, [convened(), opened, ev('MemberRecused', { juryId: JURY, userId: 'pres', candidateId: CAND, reason: 'cousin' })])
        .when(...decide({}, asPresident))
        .thenThrows('MEMBER_RECUSED');
    });
    it('needs the deliberation open and not closed', () => {
      given(juryDecider, [convened()]).when(...decide({}, asPresident)).thenThrows('DELIBERATION_NOT_OPEN');
      given(juryDecider, [convened(), opened, closedEv()]).when(...decide({}, asPresident)).thenThrows('DELIBERATION_CLOSED');
    });

    describe('award', () => {
      const bc02Validated = ev('BlockDecisionRecorded', { candidateId: CAND, juryId: JURY, sessionId: SESSION, block: 'BC02', decision: 'validated', revision: false });
      const bc02Decided = ev('BlockDecided', { juryId: JURY, candidateId: CAND, block: 'BC02', decision: 'validated', proposal: 'acquired' });
      it('never with a decision: the last validated block awards nothing until the closing', () => {
        const events = given(juryDecider, [convened(), opened, bc02Decided]).when(...decide({ candidate: candidate(...allScored(), bc02Validated) }, asPresident)).events();
        expect(events.map((e) => e.type)).toEqual(['BlockDecided', 'BlockDecisionRecorded']);
      });
    });

    describe('deferred', () => {
      const deferredDecided = ev('BlockDecided', { juryId: JURY, candidateId: CAND, block: 'BC01', decision: 'deferred', proposal: 'acquired', motivation: 'attendre une pièce' });
      const deferredRecorded = ev('BlockDecisionRecorded', { candidateId: CAND, juryId: JURY, sessionId: SESSION, block: 'BC01', decision: 'deferred', revision: false });
      it('a deferred block is decided again in the same deliberation', () => {
        given(juryDecider, [convened(), opened, deferredDecided])
          .when(...decide({ candidate: candidate(...allScored(), deferredRecorded) }, asPresident))
          .thenMatch([{ type: 'BlockDecided', data: { decision: 'validated' } }, { type: 'BlockDecisionRecorded', data: { decision: 'validated' } }]);
      });
      it('the earlier deferral stays in the deliberation, the new decision stands', () => {
        const validated = ev('BlockDecided', { juryId: JURY, candidateId: CAND, block: 'BC01', decision: 'validated', proposal: 'acquired' });
        const state = fold(jurySpec, [convened(), opened, deferredDecided, validated]);
        expect(state.decisions.map((d) => d.decision)).toEqual(['deferred', 'validated']);
        given(juryDecider, [convened(), opened, deferredDecided, validated])
          .when(...decide({ candidate: candidate(...allScored(), deferredRecorded) }, asPresident))
          .thenThrows('BLOCK_ALREADY_DECIDED');
      });
      it('a block decided otherwise than deferred is not decided twice', () => {
        const notValidated = ev('BlockDecided', { juryId: JURY, candidateId: CAND, block: 'BC01', decision: 'not-validated', proposal: 'not-acquired' });
        given(juryDecider, [convened(), opened, notValidated]).when(...decide({}, asPresident)).thenThrows('BLOCK_ALREADY_DECIDED');
      });
      it('a deferred block can still have criteria neutralised', () => {
        given(juryDecider, [convened(), opened, deferredDecided])
          .when({ type: 'NeutraliseCriterion', data: { candidateId: CAND, criterion: 'CE1.2', opinionId: OPINION } }, { ...asPresident, candidate: candidate(opinion(), deferredRecorded), referential: doc })
          .thenMatch([{ type: 'CriterionNeutralised' }]);
      });
    });

    describe('substitute president', () => {
      const asAdmin = { actor: { id: 'admin-1', role: 'admin' as const } };
      const recused = ev('MemberRecused', { juryId: JURY, userId: 'pres', candidateId: CAND, reason: 'ancien employeur' });
      it('the admin designates a member while the deliberation is open; the substitute then decides', () => {
        given(juryDecider, [convened(), opened, recused])
          .when({ type: 'DesignatePresident', data: { userId: 'pro' } }, asAdmin)
          .then([{ type: 'PresidentDesignated', data: { juryId: JURY, userId: 'pro', previousUserId: 'pres' } }]);
        const designated = ev('PresidentDesignated', { juryId: JURY, userId: 'pro', previousUserId: 'pres' });
        given(juryDecider, [convened(), opened, recused, designated]).when(...decide({}, asMember)).thenMatch([{ type: 'BlockDecided' }, { type: 'BlockDecisionRecorded' }]);
        given(juryDecider, [convened(), opened, recused, designated]).when(...decide({}, asPresident)).thenThrows('FORBIDDEN');
        const state = fold(jurySpec, [convened(), opened, designated]);
        expect(state.members.filter((m) => m.president).map((m) => m.userId)).toEqual(['pro']);
        expect(state.designations).toEqual([{ userId: 'pro', previousUserId: 'pres', designatedAt: null }]);
      });
      it('only a member, not the current president, only while open, only by an admin', () => {
        given(juryDecider, [convened(), opened]).when({ type: 'DesignatePresident', data: { userId: 'stranger' } }, asAdmin).thenThrows('NOT_A_MEMBER');
        given(juryDecider, [convened(), opened]).when({ type: 'DesignatePresident', data: { userId: 'pres' } }, asAdmin).thenThrows('ALREADY_PRESIDENT');
        given(juryDecider, [convened()]).when({ type: 'DesignatePresident', data: { userId: 'pro' } }, asAdmin).thenThrows('DELIBERATION_NOT_OPEN');
        given(juryDecider, [convened(), opened, closedEv()]).when({ type: 'DesignatePresident', data: { userId: 'pro' } }, asAdmin).thenThrows('DELIBERATION_CLOSED');
        given(juryDecider, [convened(), opened]).when({ type: 'DesignatePresident', data: { userId: 'pro' } }, asPresident).thenThrows('FORBIDDEN');
        given(juryDecider, []).when({ type: 'DesignatePresident', data: { userId: 'pro' } }, asAdmin).thenThrows('NOT_FOUND');
      });
    });

    describe('revision', () => {
      const closedAt = '2026-06-20T10:00:00.000Z';
      const originalDecided = (decision: string) =>
        ev('BlockDecided', { juryId: OTHER_JURY, candidateId: CAND, block: 'BC01', decision, proposal: 'acquired', ...(decision === 'validated' ? {} : { motivation: 'm' }) });
      const revisedJury = (decision: string): JuryState =>
        fold(jurySpec, [
          ev('JuryConvened', { juryId: OTHER_JURY, sessionId: SESSION, referentialId: REF, members }),
          ev('DeliberationOpened', { juryId: OTHER_JURY }),
          originalDecided(decision),
          closedEv(closedAt, OTHER_JURY),
        ]);
      const recorded = (decision: string, juryId = OTHER_JURY) => ev('BlockDecisionRecorded', { candidateId: CAND, juryId, sessionId: SESSION, block: 'BC01', decision, revision: false });
      const revisionJury = [convened({ juryId: OTHER_JURY, reason: 'material-error' }), opened];
      const revise = (previous: string, decision: BlockDecision, motivation?: string, who: Ctx = {}) =>
        decide({ decision, motivation, candidate: candidate(...allScored(), recorded(previous)), revised: revisedJury(previous) }, who);
      const within = { ...asPresident, now: '2026-10-20T10:00:00.000Z' };
      const after = { ...asPresident, now: '2026-10-20T10:00:00.001Z' };

      it('re-decides a block of the revised jury, marked as a revision', () => {
        given(juryDecider, revisionJury)
          .when(...revise('not-validated', 'validated', undefined, after))
          .thenMatch([
            { type: 'BlockDecided', data: { juryId: JURY, decision: 'validated' } },
            { type: 'BlockDecisionRecorded', data: { juryId: JURY, decision: 'validated', revision: true } },
          ]);
      });
      it('within four months may change a decision against the candidate', () => {
        given(juryDecider, revisionJury)
          .when(...revise('validated', 'not-validated', 'erreur matérielle : notes inversées', within))
          .thenMatch([{ type: 'BlockDecided', data: { decision: 'not-validated' } }, { type: 'BlockDecisionRecorded', data: { revision: true } }]);
      });
      it('after four months only in the candidate’s favour', () => {
        given(juryDecider, revisionJury).when(...revise('validated', 'not-validated', 'erreur matérielle', after)).thenThrows('REVISION_NOT_IN_FAVOUR');
        given(juryDecider, revisionJury).when(...revise('not-validated', 'deferred', 'reporter la décision', after)).thenThrows('REVISION_NOT_IN_FAVOUR');
        given(juryDecider, revisionJury).when(...revise('deferred', 'validated', 'recours fondé', after)).thenMatch([{ type: 'BlockDecided' }, { type: 'BlockDecisionRecorded' }]);
      });
      it('the four months run from the closing of the deliberation that first made the decision: a confirming revision does not extend them', () => {
        // OTHER_JURY (the first, closed 2026-02-01) validated; THIRD confirmed it (closed 2026-06-20); JURY revises THIRD.
        const third = 'a0000000-0000-4000-8000-000000000003';
        const confirming: JuryState = fold(jurySpec, [
          ev('JuryConvened', { juryId: third, sessionId: SESSION, referentialId: REF, members, revises: { juryId: OTHER_JURY, reason: 'material-error' } }),
          ev('DeliberationOpened', { juryId: third }),
          ev('BlockDecided', { juryId: third, candidateId: CAND, block: 'BC01', decision: 'validated', proposal: 'acquired' }),
          closedEv(closedAt, third),
        ]);
        const view = candidate(...allScored(), recorded('validated'), ev('BlockDecisionRecorded', { candidateId: CAND, juryId: third, sessionId: SESSION, block: 'BC01', decision: 'validated', revision: true }));
        const command = (now: string) => decide({ decision: 'not-validated', motivation: 'erreur matérielle', candidate: view, revised: confirming, closings: { [OTHER_JURY]: '2026-02-01T10:00:00.000Z' } }, { ...asPresident, now });
        const revising = [convened({ juryId: third, reason: 'material-error' }), opened];
        // Within four months of the confirming revision, but not of the first decision: refused.
        given(juryDecider, revising).when(...command('2026-07-01T10:00:00.000Z')).thenThrows('REVISION_NOT_IN_FAVOUR');
        given(juryDecider, revising).when(...command('2026-06-01T10:00:00.000Z')).thenMatch([{ type: 'BlockDecided', data: { decision: 'not-validated' } }, { type: 'BlockDecisionRecorded' }]);
        // A revision that changed the decision starts a new window for the new value.
        const changed = candidate(...allScored(), recorded('validated'), ev('BlockDecisionRecorded', { candidateId: CAND, juryId: third, sessionId: SESSION, block: 'BC01', decision: 'not-validated', revision: true }));
        const changing: JuryState = fold(jurySpec, [
          ev('JuryConvened', { juryId: third, sessionId: SESSION, referentialId: REF, members, revises: { juryId: OTHER_JURY, reason: 'material-error' } }),
          ev('DeliberationOpened', { juryId: third }),
          ev('BlockDecided', { juryId: third, candidateId: CAND, block: 'BC01', decision: 'not-validated', proposal: 'acquired', motivation: 'm' }),
          closedEv(closedAt, third),
        ]);
        given(juryDecider, revising)
          .when(...decide({ decision: 'deferred', motivation: 'reporter la décision', candidate: changed, revised: changing, closings: { [OTHER_JURY]: '2026-02-01T10:00:00.000Z' } }, { ...asPresident, now: '2026-07-01T10:00:00.000Z' }))
          .thenMatch([{ type: 'BlockDecided', data: { decision: 'deferred' } }, { type: 'BlockDecisionRecorded' }]);
      });
      it('only blocks the revised jury decided, not yet revised by another jury', () => {
        given(juryDecider, revisionJury).when(...decide({ block: 'BC02', revised: revisedJury('validated'), candidate: candidate(...allScored(), recorded('validated')) }, asPresident)).thenThrows('NOT_DECIDED_BY_REVISED_JURY');
        const third = 'a0000000-0000-4000-8000-000000000003';
        given(juryDecider, revisionJury)
          .when(...decide({ revised: revisedJury('not-validated'), motivation: 'x', candidate: candidate(...allScored(), recorded('not-validated'), recorded('validated', third)) }, asPresident))
          .thenThrows('DECISION_ALREADY_REVISED');
      });
    });
  });

  describe('close', () => {
    const seal = { sealHash: 'abc', signature: 'sig', keyFingerprint: 'sha256:k' };
    it('closes an open deliberation with its seal', () => {
      given(juryDecider, [convened(), opened])
        .when(...closeCommand(seal, asPresident))
        .then([{ type: 'DeliberationClosed', data: { juryId: JURY, ...seal, closedAt: '2026-06-15T10:00:00.000Z' } }]);
    });
    it('not before opening, and nothing after close', () => {
      given(juryDecider, [convened()]).when(...closeCommand(seal, asPresident)).thenThrows('DELIBERATION_NOT_OPEN');
      given(juryDecider, [convened(), opened, closedEv()]).when(...closeCommand(seal, asPresident)).thenThrows('DELIBERATION_CLOSED');
    });
  });

  describe('approval of the sealed record', () => {
    const approve = (data: { sealHash?: string; comment?: ReturnType<typeof sealedText> } = {}, who: Ctx = asPresident): When => [{ type: 'ApproveRecord', data }, who];
    const approvedEv = (memberId: string, president: boolean) => ev('RecordApproved', { juryId: JURY, memberId, sealHash: 'h', president, at: '2026-06-20T11:00:00.000Z' });
    const sealedJury = [convened(), opened, closedEv()];

    it('records the member, the seal hash, the time and the comment, once the deliberation is closed', () => {
      given(juryDecider, sealedJury)
        .when(...approve({ comment: sealedText('relu et approuvé') }, { ...asPresident, now: '2026-06-21T09:00:00.000Z' }))
        .then([{ type: 'RecordApproved', data: { juryId: JURY, memberId: 'pres', sealHash: 'h', president: true, at: '2026-06-21T09:00:00.000Z', comment: sealedText('relu et approuvé') } }]);
      given(juryDecider, sealedJury).when(...approve({ sealHash: 'h' }, asMember)).then([{ type: 'RecordApproved', data: { juryId: JURY, memberId: 'pro', sealHash: 'h', president: false, at: '2026-06-15T10:00:00.000Z' } }]);
    });
    it('only after the closing (409 DELIBERATION_NOT_CLOSED)', () => {
      given(juryDecider, [convened()]).when(...approve()).thenThrows('DELIBERATION_NOT_CLOSED');
      given(juryDecider, [convened(), opened]).when(...approve({}, asMember)).thenThrows('DELIBERATION_NOT_CLOSED');
    });
    it('only by a member of this jury (403), an unknown jury is 404', () => {
      given(juryDecider, sealedJury).when(...approve({}, asStranger)).thenThrows('FORBIDDEN');
      given(juryDecider, []).when(...approve()).thenThrows('NOT_FOUND');
    });
    it('once per member (409 ALREADY_APPROVED); the others still approve', () => {
      given(juryDecider, [...sealedJury, approvedEv('pro', false)]).when(...approve({}, asMember)).thenThrows('ALREADY_APPROVED');
      given(juryDecider, [...sealedJury, approvedEv('pro', false)]).when(...approve()).thenMatch([{ type: 'RecordApproved', data: { memberId: 'pres', president: true } }]);
    });
    it('names the record’s seal: another seal hash is refused (409 SEAL_MISMATCH)', () => {
      given(juryDecider, sealedJury).when(...approve({ sealHash: 'another' })).thenThrows('SEAL_MISMATCH');
    });
    it('a member recused for a candidate still approves the record as a whole', () => {
      const recused = ev('MemberRecused', { juryId: JURY, userId: 'pro', candidateId: CAND, reason: 'x' });
      given(juryDecider, [convened(), recused, opened, closedEv()]).when(...approve({}, asMember)).thenMatch([{ type: 'RecordApproved', data: { memberId: 'pro' } }]);
    });
    it('the substitute president designated before the closing is the one whose approval counts', () => {
      const designated = ev('PresidentDesignated', { juryId: JURY, userId: 'pro', previousUserId: 'pres' });
      given(juryDecider, [convened(), opened, designated, closedEv()]).when(...approve({}, asMember)).thenMatch([{ type: 'RecordApproved', data: { memberId: 'pro', president: true } }]);
      given(juryDecider, [convened(), opened, designated, closedEv()]).when(...approve()).thenMatch([{ type: 'RecordApproved', data: { memberId: 'pres', president: false } }]);
    });
    it('the fold: approvals in order; final once the president approved (or when the approval is not required)', () => {
      const open = fold(jurySpec, [convened(), opened]);
      expect(approvalStatus(open)).toBe('not-sealed');
      expect(recordIsFinal(open, false)).toBe(false);
      const sealedOnly = fold(jurySpec, sealedJury);
      expect(approvalStatus(sealedOnly)).toBe('awaiting-president');
      expect([recordIsFinal(sealedOnly, true), recordIsFinal(sealedOnly, false)]).toEqual([false, true]);
      const byMember = fold(jurySpec, [...sealedJury, approvedEv('pro', false)]);
      expect(byMember.approvals).toEqual([{ memberId: 'pro', sealHash: 'h', president: false, at: '2026-06-20T11:00:00.000Z' }]);
      expect(approvalStatus(byMember)).toBe('awaiting-president');
      const byPresident = fold(jurySpec, [...sealedJury, approvedEv('pro', false), approvedEv('pres', true)]);
      expect(byPresident.approvals.map((a) => a.memberId)).toEqual(['pro', 'pres']);
      expect(approvalStatus(byPresident)).toBe('approved');
      expect(recordIsFinal(byPresident, true)).toBe(true);
    });
    it('anything else sent to a closed jury is still refused (409 DELIBERATION_CLOSED)', () => {
      given(juryDecider, [...sealedJury, approvedEv('pres', true)]).when({ type: 'OpenDeliberation', data: {} }, asPresident).thenThrows('DELIBERATION_CLOSED');
    });
  });

  describe('appeal', () => {
    const closedJury = fold(jurySpec, [convened(), opened, ev('BlockDecided', { juryId: JURY, candidateId: CAND, block: 'BC01', decision: 'not-validated', proposal: 'not-acquired' }), closedEv()]);
    const registered = [ev('CandidateRegistered', { candidateId: CAND, identity: sealed })];
    const appeal = (jury: JuryState): [LodgeAppeal, AppealDeps] => [{ type: 'LodgeAppeal', data: { candidateId: CAND, juryId: JURY, reason: sealedText('recours gracieux') } }, { jury }];
    it('is lodged against a closed jury that decided the candidate', () => {
      given(appealDecider, registered)
        .when(...appeal(closedJury))
        .then([{ type: 'AppealLodged', data: { candidateId: CAND, appealId: '00000000-0000-4000-8000-000000000001', juryId: JURY, reason: sealedText('recours gracieux') } }]);
    });
    it('not against an open jury, one that did not decide them, or for an unknown candidate', () => {
      given(appealDecider, registered).when(...appeal(fold(jurySpec, [convened(), opened]))).thenThrows('JURY_NOT_CLOSED');
      given(appealDecider, registered).when(...appeal(fold(jurySpec, [convened(), opened, closedEv()]))).thenThrows('NOT_DECIDED_BY_JURY');
      given(appealDecider, registered).when(...appeal(fold(jurySpec, []))).thenThrows('NOT_FOUND');
      given(appealDecider, []).when(...appeal(closedJury)).thenThrows('NOT_FOUND');
    });
  });

  describe('helpers', () => {
    it('departing pairs', () => {
      expect(departsFromProposal('validated', 'acquired')).toBe(false);
      expect(departsFromProposal('not-validated', 'not-acquired')).toBe(false);
      expect(departsFromProposal('validated', 'not-acquired')).toBe(true);
      expect(departsFromProposal('not-validated', 'acquired')).toBe(true);
      expect(departsFromProposal('not-validated', 'incomplete')).toBe(true);
      for (const p of ['acquired', 'not-acquired', 'incomplete'] as const) expect(departsFromProposal('deferred', p)).toBe(true);
    });
    it('adds calendar months, clamping to the end of the month', () => {
      expect(addMonths('2026-06-20T10:00:00.000Z', 4)).toBe('2026-10-20T10:00:00.000Z');
      expect(addMonths('2026-10-31T23:59:00.000Z', 4)).toBe('2027-02-28T23:59:00.000Z');
      expect(addMonths('2027-10-31T00:00:00.000Z', 4)).toBe('2028-02-29T00:00:00.000Z');
    });
    it('a revision supersedes the decision in force; capitalised blocks stay', () => {
      const view = candidate(
        ev('BlockDecisionRecorded', { candidateId: CAND, juryId: OTHER_JURY, sessionId: EARLIER_SESSION, block: 'BC02', decision: 'validated', revision: false }),
        ev('BlockDecisionRecorded', { candidateId: CAND, juryId: OTHER_JURY, sessionId: SESSION, block: 'BC01', decision: 'validated', revision: false }),
        ev('BlockDecisionRecorded', { candidateId: CAND, juryId: JURY, sessionId: SESSION, block: 'BC01', decision: 'not-validated', revision: true }),
      );
      const target = targetOf(REF, 1, doc);
      expect(decisionInForce(view.outcome, target, 'BC01')?.decision).toBe('not-validated');
      // BC02 of EARLIER_SESSION: no enrolment says which certification it was, so it counts for none.
      expect(decisionInForce(view.outcome, target, 'BC02')).toBeUndefined();
    });
  });
});
