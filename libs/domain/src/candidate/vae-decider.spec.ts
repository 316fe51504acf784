import { fold } from '../shared/decider';
import { given } from '../testing/given-when-then';
import { CANDIDATE, decided, document, enrolled, motivated, OTHER_SESSION, published, REFERENTIAL, registered, sealed, SESSION, sessionState } from '../testing/candidate-fixtures';
import { candidateSpec, CandidateEvent, currentVaeApplication, vaeApplicationOf } from './candidate';
import { candidateDecider, CandidateCommand } from './candidate-decider';

const APPLICATION = '00000000-0000-4000-8000-000000000001';
const deps = { session: sessionState(), referential: published };

const fileApplication = (blocks = ['BC01', 'BC02'], summary: ReturnType<typeof sealed> | null = sealed('summary')): CandidateCommand => ({
  type: 'FileVaeApplication',
  data: { candidateId: CANDIDATE, referentialId: REFERENTIAL, blocks, summary },
});
const decideAdmissibility = (admissible: boolean, motivation: string | null = 'the experience fits the blocks sought'): CandidateCommand => ({
  type: 'DecideVaeAdmissibility',
  data: { candidateId: CANDIDATE, admissible, motivation: motivation === null ? null : motivated(motivation) },
});
const submitFile = (blocks = ['BC01', 'BC02'], file: ReturnType<typeof sealed> | null = sealed('dossier')): CandidateCommand => ({
  type: 'SubmitVaeFile',
  data: { candidateId: CANDIDATE, blocks, file },
});
const enrol = (blocks: string[], sessionId = SESSION): CandidateCommand => ({ type: 'EnrolCandidate', data: { candidateId: CANDIDATE, sessionId, blocks } });

const filed = (applicationId = APPLICATION, blocks = ['BC01', 'BC02']): CandidateEvent => ({
  type: 'VaeApplicationFiled',
  data: { candidateId: CANDIDATE, applicationId, referentialId: REFERENTIAL, certificationCode: document.code, blocks, summary: sealed('summary') },
});
const admissibility = (admissible: boolean, applicationId = APPLICATION): CandidateEvent => ({
  type: 'VaeAdmissibilityDecided',
  data: { candidateId: CANDIDATE, applicationId, admissible, motivation: sealed('the experience fits the blocks sought') },
});
const submitted = (blocks = ['BC01', 'BC02']): CandidateEvent => ({ type: 'VaeFileSubmitted', data: { candidateId: CANDIDATE, applicationId: APPLICATION, blocks, file: sealed('dossier') } });
const onFile = (blocks = ['BC01', 'BC02']): CandidateEvent => ({
  type: 'CandidateEnrolled',
  data: { candidateId: CANDIDATE, sessionId: SESSION, referentialId: REFERENTIAL, certificationCode: document.code, referentialVersion: 1, blocks, vaeApplicationId: APPLICATION },
});
const otherRoute: CandidateEvent = { type: 'CandidateRegistered', data: { candidateId: CANDIDATE, identity: sealed('identity'), accessRoute: 'continuing-education' } };

describe('the VAE path in the candidate file', () => {
  describe('application (VaeApplicationFiled)', () => {
    it('files the blocks sought for the certification of a published referential, the summary sealed', () => {
      given(candidateDecider, [registered])
        .when(fileApplication(), deps)
        .then([filed()]);
    });
    it('keeps no summary when none is given', () => {
      given(candidateDecider, [registered])
        .when(fileApplication(['BC01'], null), deps)
        .then([{ type: 'VaeApplicationFiled', data: { candidateId: CANDIDATE, applicationId: APPLICATION, referentialId: REFERENTIAL, certificationCode: document.code, blocks: ['BC01'] } }]);
    });
    it('refuses a candidate registered on another access route: the application does not change the route', () => {
      given(candidateDecider, [otherRoute]).when(fileApplication(), deps).thenThrows('NOT_VAE_ROUTE');
    });
    it('refuses a second application while one is in progress (filed, admissible, or with its file)', () => {
      given(candidateDecider, [registered, filed()]).when(fileApplication(), deps).thenThrows('VAE_STEP_OUT_OF_ORDER');
      given(candidateDecider, [registered, filed(), admissibility(true), submitted()]).when(fileApplication(), deps).thenThrows('VAE_STEP_OUT_OF_ORDER');
    });
    it('accepts a new application after one declared not admissible', () => {
      given(candidateDecider, [registered, filed('earlier'), admissibility(false, 'earlier')])
        .when(fileApplication(['BC02']), deps)
        .thenMatch([{ type: 'VaeApplicationFiled', data: { blocks: ['BC02'] } }]);
    });
    it('refuses a block the referential does not have, a referential not published, a block already validated', () => {
      given(candidateDecider, [registered]).when(fileApplication(['BC01', 'BC99']), deps).thenThrows('UNKNOWN_BLOCK');
      given(candidateDecider, [registered]).when(fileApplication(), { referential: { ...published, status: 'draft' } }).thenThrows('REFERENTIAL_NOT_PUBLISHED');
      given(candidateDecider, [registered]).when(fileApplication(), { referential: undefined }).thenThrows('NOT_FOUND');
      given(candidateDecider, [registered, enrolled(['BC01'], OTHER_SESSION), decided('BC01', 'validated', OTHER_SESSION)]).when(fileApplication(), deps).thenThrows('BLOCK_ALREADY_VALIDATED');
    });
    it('refuses an empty or repeated list of blocks (400)', () => {
      given(candidateDecider, [registered]).when(fileApplication([]), deps).thenThrows('VALIDATION_FAILED');
      given(candidateDecider, [registered]).when(fileApplication(['BC01', 'BC01']), deps).thenThrows('VALIDATION_FAILED');
    });
  });

  describe('admissibility (VaeAdmissibilityDecided)', () => {
    it('records the decision on the application in progress, motivation sealed', () => {
      given(candidateDecider, [registered, filed()]).when(decideAdmissibility(true)).then([admissibility(true)]);
      given(candidateDecider, [registered, filed()]).when(decideAdmissibility(false)).then([admissibility(false)]);
    });
    it('needs an application, and decides it once', () => {
      given(candidateDecider, [registered]).when(decideAdmissibility(true)).thenThrows('VAE_STEP_OUT_OF_ORDER');
      given(candidateDecider, [registered, filed(), admissibility(true)]).when(decideAdmissibility(false)).thenThrows('VAE_STEP_OUT_OF_ORDER');
    });
    it('needs a motivation', () => {
      given(candidateDecider, [registered, filed()]).when(decideAdmissibility(true, null)).thenThrows('MOTIVATION_REQUIRED');
      given(candidateDecider, [registered, filed()]).when(decideAdmissibility(false, 'no')).thenThrows('MOTIVATION_REQUIRED');
    });
  });

  describe('file (VaeFileSubmitted)', () => {
    it('records the blocks the file covers, among those sought, the description sealed', () => {
      given(candidateDecider, [registered, filed(), admissibility(true)]).when(submitFile(['BC02'])).then([submitted(['BC02'])]);
    });
    it('comes after an admissible decision, once', () => {
      given(candidateDecider, [registered]).when(submitFile()).thenThrows('VAE_STEP_OUT_OF_ORDER');
      given(candidateDecider, [registered, filed()]).when(submitFile()).thenThrows('VAE_STEP_OUT_OF_ORDER');
      given(candidateDecider, [registered, filed(), admissibility(true), submitted()]).when(submitFile()).thenThrows('VAE_STEP_OUT_OF_ORDER');
    });
    it('is refused after a refusal of admissibility: the path ends', () => {
      given(candidateDecider, [registered, filed(), admissibility(false)]).when(submitFile()).thenThrows('VAE_NOT_ADMISSIBLE');
    });
    it('refuses a block the application did not seek, and a file without description', () => {
      given(candidateDecider, [registered, filed(APPLICATION, ['BC01']), admissibility(true)]).when(submitFile(['BC01', 'BC02'])).thenThrows('VAE_BLOCK_NOT_IN_APPLICATION');
      given(candidateDecider, [registered, filed(), admissibility(true)]).when(submitFile(['BC01'], null)).thenThrows('VALIDATION_FAILED');
    });
  });

  describe('enrolment of a candidate on the VAE path', () => {
    const ready = [registered, filed(), admissibility(true), submitted()];
    it('enrols on the file: the enrolment names the application', () => {
      given(candidateDecider, ready).when(enrol(['BC01', 'BC02']), deps).then([onFile()]);
    });
    it('refuses blocks outside the admissible file', () => {
      given(candidateDecider, [registered, filed(), admissibility(true), submitted(['BC01'])]).when(enrol(['BC01', 'BC02']), deps).thenThrows('VAE_BLOCK_NOT_IN_FILE');
    });
    it('refuses a session of another certification', () => {
      const other = { ...published, document: { ...document, code: 'RNCP99999' } };
      given(candidateDecider, ready).when(enrol(['BC01']), { ...deps, referential: other }).thenThrows('VAE_BLOCK_NOT_IN_FILE');
    });
    it('refuses an enrolment before admissibility or before the file, and after a refusal', () => {
      given(candidateDecider, [registered, filed()]).when(enrol(['BC01']), deps).thenThrows('VAE_STEP_OUT_OF_ORDER');
      given(candidateDecider, [registered, filed(), admissibility(true)]).when(enrol(['BC01']), deps).thenThrows('VAE_STEP_OUT_OF_ORDER');
      given(candidateDecider, [registered, filed(), admissibility(false)]).when(enrol(['BC01']), deps).thenThrows('VAE_NOT_ADMISSIBLE');
    });
    it('refuses mixing a scored enrolment and one on the file in one session', () => {
      given(candidateDecider, [registered, enrolled(['BC01']), filed(APPLICATION, ['BC02']), admissibility(true), submitted(['BC02'])]).when(enrol(['BC02']), deps).thenThrows('VAE_STEP_OUT_OF_ORDER');
    });
    it('leaves a candidate without application evaluated by scores, as before', () => {
      given(candidateDecider, [registered]).when(enrol(['BC01']), deps).then([enrolled(['BC01'])]);
    });
    it('refuses scores on a block enrolled on the file', () => {
      given(candidateDecider, [...ready, onFile()])
        .when({ type: 'ScoreCriterion', data: { candidateId: CANDIDATE, sessionId: SESSION, criterion: 'CE1.1', result: 'acquired' } }, { ...deps, actor: { id: 'assessor-1', role: 'assessor' } })
        .thenThrows('VAE_BLOCK_ON_FILE');
    });
  });

  it('folds the path: the latest application is in progress, the enrolment knows its application', () => {
    const state = fold(candidateSpec, [registered, filed('earlier'), admissibility(false, 'earlier'), filed(), admissibility(true), submitted(['BC01']), onFile(['BC01'])]);
    expect(state.vaeApplications.map((a) => [a.applicationId, a.admissibility?.admissible])).toEqual([
      ['earlier', false],
      [APPLICATION, true],
    ]);
    expect(currentVaeApplication(state)?.file?.blocks).toEqual(['BC01']);
    expect(vaeApplicationOf(state, SESSION)?.applicationId).toBe(APPLICATION);
    expect(vaeApplicationOf(state, OTHER_SESSION)).toBeNull();
  });
});
