import { RecordedEvent } from '../shared/decider';
import { SealedText, StoredText } from '../shared/free-text';
import { CriterionResult } from './proposal';

/**
 * The vocabulary of the candidate stream (docs/events.md, stream
 * `candidate-{id}`): its events and the values they carry. The fold
 * (candidate.ts) and the outcome rules (outcome.ts) both build on it, so it
 * imports neither.
 */

export type BlockDecision = 'validated' | 'not-validated' | 'deferred';
export const BLOCK_DECISIONS: readonly BlockDecision[] = ['validated', 'not-validated', 'deferred'];

/** Where an awarded block comes from: the session decision in force, possibly through an equivalence. */
export interface AwardedBlock {
  block: string;
  juryId: string;
  sessionId?: string;
  referentialId?: string;
  /** The block decided, when it is another block than `block` (or another certification): counted by equivalence. */
  equivalence?: { referentialId: string | null; block: string };
  /** The closing day of the deliberation that first validated it. */
  validatedOn?: string;
}

/** Personal data as it travels in events: the one sealed shape of the domain (shared/free-text.ts); the domain only carries it. */
export type SealedData = SealedText;

/**
 * What the jury decides on a reported fraud: nothing (`none`), the
 * evaluation of the blocks concerned annulled in that session, or a ban
 * (which annuls too) until `banUntil`.
 */
export type FraudOutcome = 'none' | 'evaluation-annulled' | 'ban';
export const FRAUD_OUTCOMES: readonly FraudOutcome[] = ['none', 'evaluation-annulled', 'ban'];

export type AccessRoute = 'initial-training' | 'apprenticeship' | 'continuing-education' | 'vae' | 'independent';
export const ACCESS_ROUTES: readonly AccessRoute[] = ['initial-training', 'apprenticeship', 'continuing-education', 'vae', 'independent'];

export type AccommodationType = 'extra-time' | 'assistant' | 'adapted-communication' | 'adapted-equipment' | 'personal-equipment' | 'other';
export const ACCOMMODATION_TYPES: readonly AccommodationType[] = ['extra-time', 'assistant', 'adapted-communication', 'adapted-equipment', 'personal-equipment', 'other'];


export interface Accommodation {
  type: AccommodationType;
  extraTimePercent?: number;
  details?: SealedData;
}

/** The plaintext sealed in `CandidateRegistered.identity`. */
export interface Identity {
  givenName: string;
  familyName: string;
  birthDate: string;
  email: string;
  /** Optional at registration; required by the CDC to declare an award (accrochage). */
  sex?: 'M' | 'F';
  /** INSEE code of the birth commune (99xxx for a birth abroad); required by the CDC too. */
  birthPlaceCode?: string;
  /** `familyName` is the birth name (nom de naissance); this is the nom d'usage, when there is one. */
  usageName?: string;
  /** Country of birth as the certifier's CDC schema takes it (ISO 3166 letters, or the INSEE 99xxx code). */
  birthCountryCode?: string;
  // Beyond API.md (docs/api.md "Registration details for the CDC"): what the accrochage flux can carry.
  /** Postal code of the birth commune, for a holder whose INSEE code is not known. */
  birthPostalCode?: string;
  /** Name of the birth commune (libelleCommuneNaissance). */
  birthPlaceName?: string;
  /** Name of the birth country (libellePaysNaissance). */
  birthCountryName?: string;
  /** Refines accessRoute for the CDC: a continuing-education candidate under a professionalisation contract, or access by equivalence. */
  accessModality?: 'professionalisation-contract' | 'equivalence';
  /** For a VAE candidate: on a congé VAE, or the ordinary route (default). */
  vaeRoute?: 'classic' | 'vae-leave';
}

export type CandidateEvent =
  | RecordedEvent<'CandidateRegistered', { candidateId: string; identity: SealedData; accessRoute: AccessRoute }>
  | RecordedEvent<
      'CandidateEnrolled',
      {
        candidateId: string;
        sessionId: string;
        referentialId: string;
        certificationCode?: string;
        referentialVersion?: number;
        blocks: string[];
        /** Blocks validated earlier whose validity period has lapsed: evaluated again. */
        lapsed?: Array<{ block: string; validatedOn: string | null; validUntil: string }>;
        /** A VAE enrolment: its blocks are decided on this application's file and interview, not scored (docs/paths.md). */
        vaeApplicationId?: string;
      }
    >
  | RecordedEvent<'AccommodationRequested', { candidateId: string; requestId: string; accommodations: Accommodation[]; justification: SealedData }>
  | RecordedEvent<'ReferentOpinionGiven', { candidateId: string; requestId: string; favourable: boolean; motivation: SealedData }>
  | RecordedEvent<'AccommodationGranted', { candidateId: string; requestId: string; reason: StoredText }>
  | RecordedEvent<'AccommodationRefused', { candidateId: string; requestId: string; reason: StoredText }>
  | RecordedEvent<'AccommodationApplied', { candidateId: string; requestId: string; sessionId: string; evaluation: string; note?: StoredText }>
  | RecordedEvent<'CriterionScored', { candidateId: string; sessionId: string; block: string; criterion: string; result: CriterionResult; comment?: StoredText }>
  | RecordedEvent<
      'CriterionScoreCorrected',
      { candidateId: string; sessionId: string; block: string; criterion: string; result: CriterionResult; previousResult: CriterionResult; correctionReason: StoredText; comment?: StoredText }
    >
  | RecordedEvent<'NeutralisationRecommended', { candidateId: string; opinionId: string; criteria: string[]; motivation: SealedData }>
  | RecordedEvent<
      'BlockDecisionRecorded',
      {
        candidateId: string;
        juryId: string;
        sessionId: string;
        block: string;
        decision: BlockDecision;
        revision: boolean;
        /** Written by some producers; otherwise the enrolment of the session pins them (outcome.ts). */
        certificationCode?: string;
        referentialId?: string;
        referentialVersion?: number;
      }
    >
  | RecordedEvent<
      'CertificationAwarded',
      { candidateId: string; certificationCode: string; referentialId: string; juryId: string; blocks: AwardedBlock[]; awardedOn: string; sealHash?: string }
    >
  | RecordedEvent<'CertificationWithdrawn', { candidateId: string; certificationCode: string; awardEventId: string | null; juryId: string; reason: string }>
  | RecordedEvent<'AppealLodged', { candidateId: string; appealId: string; juryId: string; reason: StoredText }>
  /** The jury's decision letter was first issued to the candidate (decision-letters.ts): the appeal deadline runs from it. */
  | RecordedEvent<'DecisionLetterIssued', { candidateId: string; juryId: string; sealHash: string; issuedAt: string }>
  | RecordedEvent<
      'VaeApplicationFiled',
      { candidateId: string; applicationId: string; referentialId: string; certificationCode: string; blocks: string[]; summary?: SealedData }
    >
  | RecordedEvent<'VaeAdmissibilityDecided', { candidateId: string; applicationId: string; admissible: boolean; motivation: SealedData }>
  | RecordedEvent<'VaeFileSubmitted', { candidateId: string; applicationId: string; blocks: string[]; file: SealedData }>
  | RecordedEvent<
      'FraudReported',
      {
        candidateId: string;
        reportId: string;
        sessionId: string;
        /** The blocks whose evaluation is suspected (enrolled in that session). */
        blocks: string[];
        /** What was seen, sealed under the candidate's key: regulators never read it. */
        description: SealedData;
      }
    >
  | RecordedEvent<
      'FraudDecisionRecorded',
      {
        candidateId: string;
        juryId: string;
        sessionId: string;
        reportId: string;
        blocks: string[];
        outcome: FraudOutcome;
        /** For a ban: the first day (YYYY-MM-DD) the candidate may enrol again. */
        banUntil?: string;
      }
    >
  | RecordedEvent<
      'CandidateAbsent',
      {
        candidateId: string;
        sessionId: string;
        /** The referential modality (M…) missed; null for a block whose referential lists no modalities (the whole block was missed). */
        modality: string | null;
        /** The block of that modality, written down so no reader needs the referential to know which block is not evaluated. */
        block: string;
        justified: boolean;
        /** Why, sealed under the candidate's key (it may carry health data). */
        reason?: SealedData;
      }
    >
  | RecordedEvent<'CandidatePersonalDataErased', { candidateId: string; reason: string; beforeRetentionEnd: boolean }>;

export type CandidateEventType = CandidateEvent['type'];
