import { DecisionContext } from '../shared/decider';
import { invalid, notFound, rule } from '../shared/errors';
import { motivationRule, SealedMotivation, SealedText } from '../shared/free-text';
import { findBlock, ReferentialDocument } from '../referential/referential';
import { ReferentialState } from '../referential/referential-state';
import { CandidateEvent, CandidateState, currentVaeApplication, VaeApplication } from './candidate';
import { counts, decisionInForce, targetOf } from './outcome';

/**
 * The back office's steps of a VAE path (validation des acquis de
 * l'expérience, docs/paths.md "VAE"): the application, its admissibility
 * (recevabilité), the file (dossier de validation). The enrolment on the file
 * is the candidate decider's (`vaeEnrolment` below), the interview and the
 * decisions on the file the jury's (jury-decider.ts).
 *
 * The application does not set the access route: the route is declared at
 * registration and travels to the CDC (voieAccesVAE), so an application for a
 * candidate registered on another route is refused (NOT_VAE_ROUTE) rather
 * than silently changing what the certifier declares.
 */
export type FileVaeApplication = {
  type: 'FileVaeApplication';
  data: { candidateId: string; referentialId: string; blocks: string[]; summary?: SealedText | null };
};
export type DecideVaeAdmissibility = { type: 'DecideVaeAdmissibility'; data: { candidateId: string; admissible: boolean; motivation: SealedMotivation | null } };
export type SubmitVaeFile = { type: 'SubmitVaeFile'; data: { candidateId: string; blocks: string[]; file: SealedText | null } };
export type VaeCommand = FileVaeApplication | DecideVaeAdmissibility | SubmitVaeFile;

const MAX_VAE_BLOCKS = 50;

/** FileVaeApplication reads the referential version applied for (published). */
export function fileVaeApplication(command: FileVaeApplication, state: CandidateState, context: DecisionContext & { referential?: ReferentialState }): CandidateEvent[] {
  const { candidateId, referentialId, summary } = command.data;
  if (state.accessRoute !== 'vae') throw rule('NOT_VAE_ROUTE', `candidate ${candidateId} is registered on the ${state.accessRoute} access route: a VAE application needs the vae route`);
  const current = currentVaeApplication(state);
  if (current && current.admissibility?.admissible !== false) {
    throw rule('VAE_STEP_OUT_OF_ORDER', `application ${current.applicationId} is in progress: a new application follows only one declared not admissible`);
  }
  const referential = context.referential;
  if (!referential?.document) throw notFound('referential', referentialId);
  if (referential.status !== 'published') throw rule('REFERENTIAL_NOT_PUBLISHED', `referential ${referentialId} is not published`);
  const blocks = checkedBlocks(command.data.blocks);
  const document = referential.document;
  const unknown = blocks.filter((b) => !findBlock(document, b));
  if (unknown.length) throw rule('UNKNOWN_BLOCK', `the referential ${document.code} has no block ${unknown.join(', ')}`, { blocks: unknown });
  const target = targetOf(referentialId, referential.version, document);
  const validated = blocks.filter((b) => counts(decisionInForce(state.outcome, target, b, { at: context.now })));
  if (validated.length) throw rule('BLOCK_ALREADY_VALIDATED', `block ${validated.join(', ')} of ${document.code} is already validated: it stays acquired`, { blocks: validated });
  return [
    {
      type: 'VaeApplicationFiled',
      data: { candidateId, applicationId: context.newId(), referentialId, certificationCode: document.code, blocks, ...(summary ? { summary } : {}) },
    },
  ];
}

export function decideVaeAdmissibility(command: DecideVaeAdmissibility, state: CandidateState): CandidateEvent[] {
  const { candidateId, admissible } = command.data;
  const application = currentVaeApplication(state);
  if (!application) throw rule('VAE_STEP_OUT_OF_ORDER', `candidate ${candidateId} has filed no VAE application: admissibility is decided on an application`);
  if (application.admissibility) throw rule('VAE_STEP_OUT_OF_ORDER', `the admissibility of application ${application.applicationId} was already decided`);
  const motivation = motivationRule(command.data.motivation, true, 'a decision on the admissibility of a VAE application')!;
  return [{ type: 'VaeAdmissibilityDecided', data: { candidateId, applicationId: application.applicationId, admissible, motivation } }];
}

export function submitVaeFile(command: SubmitVaeFile, state: CandidateState): CandidateEvent[] {
  const { candidateId, file } = command.data;
  const application = admissibleApplication(state, candidateId, 'the file');
  if (application.file) throw rule('VAE_STEP_OUT_OF_ORDER', `the file of application ${application.applicationId} was already submitted`);
  const blocks = checkedBlocks(command.data.blocks);
  const outside = blocks.filter((b) => !application.blocks.includes(b));
  if (outside.length) throw rule('VAE_BLOCK_NOT_IN_APPLICATION', `application ${application.applicationId} does not seek block ${outside.join(', ')}`, { blocks: outside });
  if (!file) throw invalid('file must describe the dossier de validation (its reference or description)', [{ path: 'file', message: 'required' }]);
  return [{ type: 'VaeFileSubmitted', data: { candidateId, applicationId: application.applicationId, blocks, file } }];
}

/**
 * The enrolment rule of a candidate on a VAE path: once an application is
 * filed, every enrolment is on its file, for the certification applied for
 * and the blocks the file covers, after admissibility and the file. Returns
 * the application the enrolment is on, or null for a candidate with no
 * application (evaluated by scores, as before the path existed).
 */
export function vaeEnrolment(state: CandidateState, document: ReferentialDocument, blocks: string[]): VaeApplication | null {
  const application = currentVaeApplication(state);
  if (!application) return null;
  const candidateId = state.candidateId ?? '';
  const admissible = admissibleApplication(state, candidateId, 'an enrolment');
  if (!admissible.file) throw rule('VAE_STEP_OUT_OF_ORDER', `the file of application ${admissible.applicationId} is not submitted yet: the enrolment comes after it`);
  if (admissible.certificationCode !== document.code) {
    throw rule('VAE_BLOCK_NOT_IN_FILE', `the VAE file of candidate ${candidateId} is for ${admissible.certificationCode}, not ${document.code}`);
  }
  const outside = blocks.filter((b) => !admissible.file!.blocks.includes(b));
  if (outside.length) throw rule('VAE_BLOCK_NOT_IN_FILE', `the VAE file of candidate ${candidateId} does not cover block ${outside.join(', ')}`, { blocks: outside });
  return admissible;
}

function admissibleApplication(state: CandidateState, candidateId: string, what: string): VaeApplication {
  const application = currentVaeApplication(state);
  if (!application) throw rule('VAE_STEP_OUT_OF_ORDER', `candidate ${candidateId} has filed no VAE application`);
  if (!application.admissibility) throw rule('VAE_STEP_OUT_OF_ORDER', `the admissibility of application ${application.applicationId} is not decided yet: ${what} comes after it`);
  if (!application.admissibility.admissible) throw rule('VAE_NOT_ADMISSIBLE', `application ${application.applicationId} was declared not admissible: its path ends there`);
  return application;
}

function checkedBlocks(blocks: string[]): string[] {
  if (blocks.length === 0 || blocks.length > MAX_VAE_BLOCKS) throw invalid(`blocks must list 1 to ${MAX_VAE_BLOCKS} blocks`, [{ path: 'blocks', message: 'length' }]);
  if (new Set(blocks).size !== blocks.length) throw invalid('blocks must not repeat a block', [{ path: 'blocks', message: 'duplicate' }]);
  return [...blocks];
}
