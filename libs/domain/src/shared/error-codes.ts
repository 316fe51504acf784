/**
 * Every error code the API answers, with its kind (hence its HTTP status)
 * and what it means. Clients rely on the codes (docs/api.md "Errors"); the
 * deciders, the error filter and the route docs all take them from here, so
 * a misspelt code fails to compile.
 */

/** What kind of refusal or failure an error is; the kind decides the status. */
export type ErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'precondition'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'rule'
  | 'rate-limited'
  | 'internal'
  | 'unavailable';

export const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  precondition: 412,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  rule: 422,
  'rate-limited': 429,
  internal: 500,
  unavailable: 503,
};

interface CodeEntry {
  kind: ErrorKind;
  meaning: string;
}

export const ERROR_CODES = {
  // 400
  VALIDATION_FAILED: { kind: 'validation', meaning: 'malformed body, unknown field, wrong type or length; `details` lists the faults as [{ path, message }]' },
  BAD_REQUEST: { kind: 'validation', meaning: 'a request the HTTP layer could not read' },
  CDC_CONFIGURATION_INVALID: { kind: 'validation', meaning: 'a CDC identifier does not fit the flux (idClient 8 characters, idContrat 1 to 20)' },
  // 401, 403, 404
  UNAUTHENTICATED: { kind: 'unauthenticated', meaning: 'no token, or a token that does not verify' },
  FORBIDDEN: { kind: 'forbidden', meaning: 'the role may not do this, or the object is outside the reader’s work' },
  NOT_FOUND: { kind: 'not-found', meaning: 'no such id (anything that is not a UUID names nothing either)' },
  // 409
  CONFLICT: { kind: 'conflict', meaning: 'the state moved under the request' },
  CONCURRENCY_CONFLICT: { kind: 'conflict', meaning: 'another write to the stream won the race (If-Match, or too much contention)' },
  IDEMPOTENCY_KEY_REUSED: { kind: 'conflict', meaning: 'this Idempotency-Key was used for another request' },
  LEDGER_INTEGRITY: { kind: 'conflict', meaning: 'a stored event no longer matches its append-time hash; sealing stopped' },
  ACCOMMODATION_ALREADY_APPLIED: { kind: 'conflict', meaning: 'the granted accommodation was already applied' },
  ACCOMMODATION_ALREADY_DECIDED: { kind: 'conflict', meaning: 'the accommodation request was already decided' },
  ALREADY_APPROVED: { kind: 'conflict', meaning: 'this member already approved the sealed record' },
  ALREADY_ENROLLED: { kind: 'conflict', meaning: 'the candidate is already enrolled in this session' },
  FRAUD_ALREADY_DECIDED: { kind: 'conflict', meaning: 'a jury already decided this fraud report' },
  ABSENCE_ALREADY_RECORDED: { kind: 'conflict', meaning: 'an absence from this modality (or block) is already recorded for the candidate in this session' },
  ALREADY_RECUSED: { kind: 'conflict', meaning: 'the member is already recused for this candidate' },
  ASSESSOR_ALREADY_ASSIGNED: { kind: 'conflict', meaning: 'the assessor is already assigned to the session' },
  CANDIDATE_ALREADY_REGISTERED: { kind: 'conflict', meaning: 'a candidate with this id is already registered' },
  DELIBERATION_ALREADY_OPEN: { kind: 'conflict', meaning: 'the deliberation is already open' },
  DELIBERATION_CLOSED: { kind: 'conflict', meaning: 'the deliberation is closed and sealed: nothing changes it' },
  DELIBERATION_NOT_CLOSED: { kind: 'conflict', meaning: 'the record is approved once the deliberation is closed and sealed' },
  DELIBERATION_NOT_OPEN: { kind: 'conflict', meaning: 'the deliberation has not been opened' },
  JURY_ALREADY_CONVENED: { kind: 'conflict', meaning: 'a jury with this id is already convened' },
  OPINION_ALREADY_GIVEN: { kind: 'conflict', meaning: 'the referent already gave an opinion on this request' },
  PERSONAL_DATA_ALREADY_ERASED: { kind: 'conflict', meaning: 'the candidate’s personal data was already erased' },
  PERSONAL_DATA_ERASED: { kind: 'conflict', meaning: 'the candidate’s personal data was erased: the file is closed to new personal data' },
  REFERENTIAL_ALREADY_PUBLISHED: { kind: 'conflict', meaning: 'the referential version is already published' },
  REFERENTIAL_ALREADY_RETIRED: { kind: 'conflict', meaning: 'the referential version is already retired' },
  RECORD_NOT_FINAL: { kind: 'conflict', meaning: 'the jury’s record is not sealed yet, or awaits the president’s approval (RECORD_APPROVAL_REQUIRED): decision letters wait for it' },
  REFERENTIAL_EXISTS: { kind: 'conflict', meaning: 'this code and version are already drafted' },
  SEAL_MISMATCH: { kind: 'conflict', meaning: 'the seal hash the member approves is not the record’s' },
  WITNESS_ALREADY_REGISTERED: { kind: 'conflict', meaning: 'a witness with this name is already registered' },
  SESSION_ALREADY_OPENED: { kind: 'conflict', meaning: 'a session with this id is already open' },
  // 412, 413, 415
  PRECONDITION_FAILED: { kind: 'precondition', meaning: 'If-Match does not match the current version' },
  PAYLOAD_TOO_LARGE: { kind: 'payload-too-large', meaning: 'the body is larger than the API accepts' },
  UNSUPPORTED_MEDIA_TYPE: { kind: 'unsupported-media-type', meaning: 'the body is not of a type the route reads' },
  // 422
  ACCOMMODATION_NOT_GRANTED: { kind: 'rule', meaning: 'only a granted accommodation can be applied' },
  ACCROCHAGE_SCHEMA_INVALID: { kind: 'rule', meaning: 'the flux does not validate against the CDC schema (names the element); nothing recorded as sent' },
  ALREADY_PRESIDENT: { kind: 'rule', meaning: 'this member already presides the jury' },
  APPEAL_NOT_FOUND: { kind: 'rule', meaning: 'no such appeal was lodged against the revised jury' },
  BLOCK_ALREADY_DECIDED: { kind: 'rule', meaning: 'this jury already decided the block for the candidate' },
  BLOCK_ALREADY_VALIDATED: { kind: 'rule', meaning: 'the block was validated earlier: it stays acquired and is not evaluated again' },
  BLOCK_NOT_IN_ENROLMENT: { kind: 'rule', meaning: 'the candidate is not enrolled for this block' },
  CANDIDATE_BANNED: { kind: 'rule', meaning: 'a jury banned the candidate for fraud until a date (details.banUntil): no enrolment before it' },
  DESCRIPTION_REQUIRED: { kind: 'rule', meaning: 'a fraud report must describe what was seen' },
  FRAUD_REPORT_NOT_FOUND: { kind: 'rule', meaning: 'no such fraud report for the candidate in the jury’s session' },
  BAN_END_REQUIRED: { kind: 'rule', meaning: 'a ban needs its end date (banUntil, after today); other outcomes take none' },
  BLOCK_NOT_EVALUATED: { kind: 'rule', meaning: 'the block was not evaluated in this session (absence, evaluation annulled for fraud): the jury may record it not validated or deferred, never validated' },
  BLOCK_HAS_MODALITIES: { kind: 'rule', meaning: 'the block lists evaluation modalities: an absence names the modality missed, not the block' },
  UNKNOWN_MODALITY: { kind: 'rule', meaning: 'the session’s referential has no such evaluation modality' },
  CANDIDATE_NOT_IN_SESSION: { kind: 'rule', meaning: 'the candidate is not enrolled in the jury’s session' },
  CDC_NOT_CONFIGURED: { kind: 'rule', meaning: 'CDC_EMITTER_ID / CDC_CONTRACT_ID are not set' },
  CORRECTION_REASON_REQUIRED: { kind: 'rule', meaning: 'correcting a score needs a reason' },
  CRITERION_ALREADY_NEUTRALISED: { kind: 'rule', meaning: 'the criterion is already neutralised for the candidate' },
  CRITERION_IS_CORE: { kind: 'rule', meaning: 'a core criterion cannot be neutralised' },
  CRITERION_NOT_IN_ENROLMENT: { kind: 'rule', meaning: 'the criterion is not in the candidate’s enrolled blocks' },
  DECISION_ALREADY_REVISED: { kind: 'rule', meaning: 'the decision was already revised' },
  DETAILS_REQUIRED: { kind: 'rule', meaning: 'an accommodation of type other needs details' },
  DUPLICATE_MEMBER: { kind: 'rule', meaning: 'a member is listed twice' },
  JURY_COMPOSITION: { kind: 'rule', meaning: 'a jury needs members' },
  JURY_NOT_CLOSED: { kind: 'rule', meaning: 'the jury has not closed its deliberation' },
  JUSTIFICATION_REQUIRED: { kind: 'rule', meaning: 'an accommodation request needs a justification' },
  MEMBER_RECUSED: { kind: 'rule', meaning: 'the member is recused for this candidate' },
  MOTIVATION_REQUIRED: { kind: 'rule', meaning: 'a required motivation is missing or shorter than MOTIVATION_MIN_LENGTH' },
  MOTIVATION_TOO_SHORT: { kind: 'rule', meaning: 'an optional motivation was given but is shorter than MOTIVATION_MIN_LENGTH' },
  NOT_A_MEMBER: { kind: 'rule', meaning: 'the user is not a member of the jury' },
  NOT_DECIDED_BY_JURY: { kind: 'rule', meaning: 'the jury decided nothing for the candidate' },
  NOT_DECIDED_BY_REVISED_JURY: { kind: 'rule', meaning: 'the revised jury made no decision on the block for the candidate' },
  NOT_ENROLLED_IN_SESSION: { kind: 'rule', meaning: 'the candidate is not enrolled in the session' },
  NO_BLOCK_IN_FORCE: { kind: 'rule', meaning: 'the candidate has no block validated and in force on a final record: there is nothing to attest' },
  NO_REFERENT_OPINION: { kind: 'rule', meaning: 'no referent opinion recommends neutralising this criterion for the candidate' },
  NO_SCORE_TO_CORRECT: { kind: 'rule', meaning: 'there is no score to correct' },
  NO_WITHDRAWAL_PENDING: { kind: 'rule', meaning: 'no withdrawal of this award is left to make by hand' },
  PRESIDENT_REQUIRED: { kind: 'rule', meaning: 'a jury needs exactly one president' },
  PROFESSIONAL_REQUIRED: { kind: 'rule', meaning: 'a jury needs at least one professional of the field' },
  REASON_REQUIRED: { kind: 'rule', meaning: 'a decision on an accommodation must give its reason' },
  REFERENTIAL_NOT_PUBLISHED: { kind: 'rule', meaning: 'the referential version is not published' },
  REFERENTIAL_RETIRED: { kind: 'rule', meaning: 'the referential version is retired' },
  REFERENT_OPINION_REQUIRED: { kind: 'rule', meaning: 'extra time over one third needs a favourable referent opinion first' },
  REPORT_MATCHES_NO_DECLARATION: { kind: 'rule', meaning: 'none of the report’s passages was sent by this certifier' },
  RETENTION_PERIOD_NOT_OVER: { kind: 'rule', meaning: 'the retention period is not over (details.retentionEndsAt)' },
  REVISED_JURY_NOT_CLOSED: { kind: 'rule', meaning: 'the revised jury has not closed its deliberation' },
  REVISION_NOT_IN_FAVOUR: { kind: 'rule', meaning: 'past the revision window a decision may only change in the candidate’s favour' },
  REVISION_SESSION_MISMATCH: { kind: 'rule', meaning: 'a revision jury deliberates on the session of the jury it revises' },
  SCORES_INCOMPLETE: { kind: 'rule', meaning: 'not every criterion of the block is scored or neutralised' },
  SESSION_DATES_INVERTED: { kind: 'rule', meaning: 'the session ends before it starts' },
  WITNESS_NOT_REGISTERED: { kind: 'rule', meaning: 'no witness of this name was registered (POST /v1/audit/witnesses)' },
  COSIGNATURE_INVALID: { kind: 'rule', meaning: 'the cosignature does not verify with the witness’s registered key over this checkpoint' },
  PREVIOUS_NOT_COSIGNED: { kind: 'rule', meaning: 'previousSize names no checkpoint this witness cosigned, or is not below the checkpoint cosigned now' },
  UNKNOWN_BLOCK: { kind: 'rule', meaning: 'the session’s referential has no such block' },
  // The VAE path (docs/paths.md "VAE").
  NOT_VAE_ROUTE: { kind: 'rule', meaning: 'a VAE application is filed for a candidate registered on the vae access route only' },
  VAE_STEP_OUT_OF_ORDER: { kind: 'rule', meaning: 'a VAE step out of its order: application, admissibility, file, enrolment, interview, decision (the message names the missing or repeated step)' },
  VAE_NOT_ADMISSIBLE: { kind: 'rule', meaning: 'the VAE application was declared not admissible: that path ends (no file, no enrolment on it)' },
  VAE_BLOCK_NOT_IN_APPLICATION: { kind: 'rule', meaning: 'the VAE file names a block the application did not seek' },
  VAE_BLOCK_NOT_IN_FILE: { kind: 'rule', meaning: 'the block (or certification) is not covered by the candidate’s admissible VAE file' },
  VAE_BLOCK_ON_FILE: { kind: 'rule', meaning: 'the block is enrolled on a VAE file: it is decided on the file and the interview, not scored' },
  VAE_INTERVIEW_NOT_HELD: { kind: 'rule', meaning: 'a VAE block is validated or not validated only after the jury’s interview with the candidate' },
  // 429, 500, 503
  RATE_LIMITED: { kind: 'rate-limited', meaning: 'too many requests (Retry-After)' },
  INTERNAL_ERROR: { kind: 'internal', meaning: 'a fault of the server; nothing of it is echoed' },
  SERVICE_UNAVAILABLE: { kind: 'unavailable', meaning: 'the database or the identity provider does not answer (Retry-After)' },
  PROJECTION_LAGGING: { kind: 'unavailable', meaning: 'the read model did not reach X-Min-Position within 5 s (Retry-After)' },
  LEDGER_LAGGING: { kind: 'unavailable', meaning: 'the ledger did not seal X-Min-Position within 5 s (Retry-After)' },
  LEDGER_KEY_NOT_IN_FORCE: { kind: 'unavailable', meaning: 'after a rotation of the signing key, this process still holds the old key: it signs nothing until restarted with the new one' },
} as const satisfies Record<string, CodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes of one kind: `rule()` takes only 422 codes, `conflict()` only 409 ones. */
export type CodeOfKind<K extends ErrorKind> = { [C in ErrorCode]: (typeof ERROR_CODES)[C]['kind'] extends K ? C : never }[ErrorCode];

export function statusOf(code: ErrorCode): number {
  return STATUS_OF_KIND[ERROR_CODES[code].kind];
}

/** The code a status answers with when nothing more precise is known (HTTP-layer faults). */
export const GENERIC_CODE: Readonly<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * "`CODE`: meaning" for each code, for route docs: a route cites its codes
 * and the sentence comes from here, so docs and answers cannot drift apart.
 */
export function describeCodes(...codes: ErrorCode[]): string {
  return codes.map((code) => `${code}: ${ERROR_CODES[code].meaning}`).join('; ');
}
