import { fold, RecordedEvent } from '../shared/decider';
import { given } from '../testing/given-when-then';
import { document, motivated, sealed } from '../testing/candidate-fixtures';
import { CandidateState, candidateSpec } from '../candidate/candidate';
import { BlockDecision, jurySpec } from './jury';
import { juryDecider, JuryCommand, JuryDeps } from './jury-decider';
import { DecisionContext } from '../shared/decider';

const JURY = 'a0000000-0000-4000-8000-000000000001';
const REVISION = 'a0000000-0000-4000-8000-000000000002';
const SESSION = 'b0000000-0000-4000-8000-000000000001';
const REF = 'c0000000-0000-4000-8000-000000000001';
const CAND = 'c0000000-0000-4000-8000-000000000001';
const APP = 'f0000000-0000-4000-8000-000000000001';

const ev = (type: string, data: Record<string, unknown>, recordedAt?: string): RecordedEvent => ({ type, data, recordedAt });
const members = [
  { userId: 'pres', name: 'Paule Président', president: true, professional: false },
  { userId: 'pro', name: 'Pierre Pro', president: false, professional: true },
];
const convened = (juryId = JURY, revises?: object) => ev('JuryConvened', { juryId, sessionId: SESSION, referentialId: REF, members, ...(revises ? { revises } : {}) });
const opened = (juryId = JURY) => ev('DeliberationOpened', { juryId });
const closed = (juryId = JURY) => ev('DeliberationClosed', { juryId, sealHash: 'h', signature: 's', keyFingerprint: 'k', closedAt: '2026-06-20T10:00:00.000Z' });
const interviewed = (juryId = JURY) => ev('VaeInterviewHeld', { juryId, candidateId: CAND, applicationId: APP, sessionId: SESSION, heldOn: '2026-06-10', memberId: 'pro', notes: sealed('notes') });

const asPresident = { actor: { id: 'pres', role: 'jury' as const } };
const asMember = { actor: { id: 'pro', role: 'jury' as const } };
const asStranger = { actor: { id: 'stranger', role: 'jury' as const } };
type Ctx = Partial<DecisionContext> & JuryDeps;

/** A candidate enrolled on a VAE file covering BC01 only, or enrolled for scores (`vae: false`). */
function candidate({ vae = true, fileBlocks = ['BC01'] } = {}): CandidateState {
  return fold(candidateSpec, [
    ev('CandidateRegistered', { candidateId: CAND, identity: sealed('identity'), accessRoute: 'vae' }),
    ...(vae
      ? [
          ev('VaeApplicationFiled', { candidateId: CAND, applicationId: APP, referentialId: REF, certificationCode: document.code, blocks: ['BC01', 'BC02'] }),
          ev('VaeAdmissibilityDecided', { candidateId: CAND, applicationId: APP, admissible: true, motivation: sealed('m') }),
          ev('VaeFileSubmitted', { candidateId: CAND, applicationId: APP, blocks: fileBlocks, file: sealed('dossier') }),
        ]
      : []),
    ev('CandidateEnrolled', { candidateId: CAND, sessionId: SESSION, referentialId: REF, blocks: ['BC01', 'BC02'], ...(vae ? { vaeApplicationId: APP } : {}) }),
  ]);
}

const interview = (heldOn = '2026-06-10', file = candidate(), who: Ctx = asMember): [JuryCommand, Ctx] => [
  { type: 'HoldVaeInterview', data: { candidateId: CAND, heldOn, notes: sealed('notes') } },
  { ...who, candidate: file },
];
const decide = (decision: BlockDecision, motivation: string | null = 'the file shows the competences of BC01', { block = 'BC01', file = candidate(), revised = null as Ctx['revised'] } = {}): [JuryCommand, Ctx] => [
  { type: 'DecideBlock', data: { candidateId: CAND, block, decision, motivation: motivation === null ? null : motivated(motivation) } },
  { ...asPresident, candidate: file, referential: document, revised },
];

describe('the VAE path before the jury', () => {
  describe('interview (VaeInterviewHeld, jury stream)', () => {
    it('is recorded by any member of the jury, before or during the deliberation, notes sealed', () => {
      const expected = [{ type: 'VaeInterviewHeld', data: { juryId: JURY, candidateId: CAND, applicationId: APP, sessionId: SESSION, heldOn: '2026-06-10', memberId: 'pro', notes: sealed('notes') } }];
      given(juryDecider, [convened()]).when(...interview()).then(expected);
      given(juryDecider, [convened(), opened()]).when(...interview()).then(expected);
    });
    it('is refused to a user outside the jury (403), and once the deliberation is closed (409)', () => {
      given(juryDecider, [convened()]).when(...interview('2026-06-10', candidate(), asStranger)).thenThrows('FORBIDDEN');
      given(juryDecider, [convened(), opened(), closed()]).when(...interview()).thenThrows('DELIBERATION_CLOSED');
    });
    it('needs a candidate enrolled on a VAE file in the session, and is held once', () => {
      given(juryDecider, [convened()]).when(...interview('2026-06-10', candidate({ vae: false }))).thenThrows('VAE_STEP_OUT_OF_ORDER');
      given(juryDecider, [convened(), interviewed()]).when(...interview()).thenThrows('VAE_STEP_OUT_OF_ORDER');
    });
    it('is refused to a member recused for the candidate', () => {
      given(juryDecider, [convened(), ev('MemberRecused', { juryId: JURY, userId: 'pro', candidateId: CAND, reason: sealed('r') })]).when(...interview()).thenThrows('MEMBER_RECUSED');
    });
    it('takes a real day, not in the future (400)', () => {
      given(juryDecider, [convened()]).when(...interview('2026-02-30')).thenThrows('VALIDATION_FAILED');
      given(juryDecider, [convened()]).when(...interview('2026-07-01')).thenThrows('VALIDATION_FAILED');
    });
  });

  describe('decision on the file (BlockDecided with vae)', () => {
    it('validates without criterion scores once the candidate was heard, with a motivation; the decision says it is on the file', () => {
      given(juryDecider, [convened(), interviewed(), opened()])
        .when(...decide('validated'))
        .thenMatch([
          { type: 'BlockDecided', data: { juryId: JURY, candidateId: CAND, block: 'BC01', decision: 'validated', proposal: 'incomplete', vae: { applicationId: APP } } },
          { type: 'BlockDecisionRecorded', data: { candidateId: CAND, sessionId: SESSION, block: 'BC01', decision: 'validated', revision: false } },
        ]);
    });
    it('needs a motivation for every decision on the file, agreeing or not', () => {
      given(juryDecider, [convened(), interviewed(), opened()]).when(...decide('validated', null)).thenThrows('MOTIVATION_REQUIRED');
      given(juryDecider, [convened(), interviewed(), opened()]).when(...decide('not-validated', null)).thenThrows('MOTIVATION_REQUIRED');
    });
    it('needs the interview before validating or refusing; a deferral may come before it', () => {
      given(juryDecider, [convened(), opened()]).when(...decide('validated')).thenThrows('VAE_INTERVIEW_NOT_HELD');
      given(juryDecider, [convened(), opened()]).when(...decide('not-validated')).thenThrows('VAE_INTERVIEW_NOT_HELD');
      given(juryDecider, [convened(), opened()]).when(...decide('deferred')).thenMatch([{ type: 'BlockDecided', data: { decision: 'deferred', vae: { applicationId: APP } } }, {}]);
    });
    it('needs the file to cover the block', () => {
      given(juryDecider, [convened(), interviewed(), opened()]).when(...decide('validated', 'the file shows it all', { block: 'BC02' })).thenThrows('VAE_BLOCK_NOT_IN_FILE');
    });
    it('lets a revision jury decide on the interview the revised jury held', () => {
      const refused = ev('BlockDecided', { juryId: JURY, candidateId: CAND, block: 'BC01', decision: 'not-validated', proposal: 'incomplete', motivation: sealed('m'), vae: { applicationId: APP } });
      const revised = fold(jurySpec, [convened(), interviewed(), opened(), refused, closed()]);
      given(juryDecider, [convened(REVISION, { juryId: JURY, reason: 'material-error' }), opened(REVISION)])
        .when(
          { type: 'DecideBlock', data: { candidateId: CAND, block: 'BC01', decision: 'validated', motivation: motivated('the file shows the competences of BC01') } },
          {
            ...asPresident,
            referential: document,
            revised,
            candidate: fold(candidateSpec, [
              ...candidateEvents(),
              ev('BlockDecisionRecorded', { candidateId: CAND, juryId: JURY, sessionId: SESSION, block: 'BC01', decision: 'not-validated', revision: false }),
            ]),
          },
        )
        .thenMatch([{ type: 'BlockDecided', data: { juryId: REVISION, decision: 'validated', vae: { applicationId: APP } } }, { type: 'BlockDecisionRecorded', data: { revision: true } }]);
    });
    it('keeps the scored rules for a candidate evaluated by scores', () => {
      given(juryDecider, [convened(), opened()]).when(...decide('validated', 'the file shows it', { file: candidate({ vae: false }) })).thenThrows('SCORES_INCOMPLETE');
    });
  });
});

function candidateEvents(): RecordedEvent[] {
  return [
    ev('CandidateRegistered', { candidateId: CAND, identity: sealed('identity'), accessRoute: 'vae' }),
    ev('VaeApplicationFiled', { candidateId: CAND, applicationId: APP, referentialId: REF, certificationCode: document.code, blocks: ['BC01'] }),
    ev('VaeAdmissibilityDecided', { candidateId: CAND, applicationId: APP, admissible: true, motivation: sealed('m') }),
    ev('VaeFileSubmitted', { candidateId: CAND, applicationId: APP, blocks: ['BC01'], file: sealed('dossier') }),
    ev('CandidateEnrolled', { candidateId: CAND, sessionId: SESSION, referentialId: REF, blocks: ['BC01'], vaeApplicationId: APP }),
  ];
}
