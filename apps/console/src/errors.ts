import type { ApiError } from './api.js';

/**
 * The API's error codes (libs/domain/src/shared/error-codes.ts) as the
 * console's users read them. A unit test checks that every code the API can
 * answer has its sentence here, so a new code cannot reach a screen in English.
 */
export const FRENCH_MESSAGES: Readonly<Record<string, string>> = {
  VALIDATION_FAILED: 'La saisie est incomplète ou mal formée : vérifiez les champs signalés.',
  BAD_REQUEST: 'La demande n’a pas pu être lue par le serveur.',
  CDC_CONFIGURATION_INVALID: 'Les identifiants CDC ne conviennent pas au flux (idClient de 8 caractères, idContrat de 1 à 20).',
  UNAUTHENTICATED: 'Votre session a expiré : reconnectez-vous.',
  FORBIDDEN: 'Vous n’avez pas accès à cette information ou à cette action.',
  NOT_FOUND: 'Élément introuvable.',
  CONFLICT: 'L’état a changé pendant votre action : rechargez la page.',
  CONCURRENCY_CONFLICT: 'Modifié entre-temps : rechargez la page avant de recommencer',
  IDEMPOTENCY_KEY_REUSED: 'Cette demande a déjà été envoyée avec un autre contenu.',
  LEDGER_INTEGRITY: 'Un événement enregistré ne correspond plus à son empreinte : le scellement est arrêté. Prévenez l’exploitant.',
  ACCOMMODATION_ALREADY_APPLIED: 'L’aménagement accordé a déjà été appliqué.',
  ACCOMMODATION_ALREADY_DECIDED: 'La demande d’aménagement a déjà été tranchée.',
  ALREADY_APPROVED: 'Vous avez déjà approuvé ce procès-verbal.',
  ALREADY_ENROLLED: 'Le candidat est déjà inscrit à cette session.',
  ALREADY_RECUSED: 'Ce membre est déjà récusé pour ce candidat.',
  ASSESSOR_ALREADY_ASSIGNED: 'Cet évaluateur est déjà affecté à la session.',
  CANDIDATE_ALREADY_REGISTERED: 'Ce candidat est déjà enregistré.',
  DELIBERATION_ALREADY_OPEN: 'La délibération est déjà ouverte.',
  DELIBERATION_CLOSED: 'La délibération est close et scellée : plus rien ne peut la modifier.',
  DELIBERATION_NOT_CLOSED: 'Le procès-verbal s’approuve une fois la délibération close et scellée.',
  DELIBERATION_NOT_OPEN: 'La délibération n’est pas encore ouverte.',
  JURY_ALREADY_CONVENED: 'Ce jury est déjà convoqué.',
  OPINION_ALREADY_GIVEN: 'Le référent a déjà donné son avis sur cette demande.',
  PERSONAL_DATA_ALREADY_ERASED: 'Les données personnelles de ce candidat sont déjà effacées.',
  PERSONAL_DATA_ERASED: 'Les données personnelles de ce candidat ont été effacées : son dossier n’accepte plus de données personnelles.',
  REFERENTIAL_ALREADY_PUBLISHED: 'Cette version du référentiel est déjà publiée.',
  REFERENTIAL_ALREADY_RETIRED: 'Cette version du référentiel est déjà retirée.',
  RECORD_NOT_FINAL: 'Le procès-verbal du jury n’est pas encore scellé, ou attend l’approbation de son président : les courriers de décision l’attendent.',
  REFERENTIAL_EXISTS: 'Ce code et cette version de référentiel existent déjà.',
  SEAL_MISMATCH: 'Le sceau approuvé n’est pas celui du procès-verbal : rechargez la page.',
  WITNESS_ALREADY_REGISTERED: 'Un témoin porte déjà ce nom.',
  SESSION_ALREADY_OPENED: 'Cette session est déjà ouverte.',
  PRECONDITION_FAILED: 'Modifié entre-temps : rechargez la page avant de recommencer',
  PAYLOAD_TOO_LARGE: 'Le document envoyé est trop volumineux.',
  UNSUPPORTED_MEDIA_TYPE: 'Ce type de document n’est pas accepté ici.',
  ACCOMMODATION_NOT_GRANTED: 'Seul un aménagement accordé peut être appliqué.',
  ACCROCHAGE_SCHEMA_INVALID: 'Le flux ne respecte pas le schéma de la CDC : rien n’a été enregistré comme envoyé.',
  ALREADY_PRESIDENT: 'Ce membre préside déjà le jury.',
  APPEAL_NOT_FOUND: 'Aucun recours de ce type n’a été formé contre le jury révisé.',
  BLOCK_ALREADY_DECIDED: 'Ce jury a déjà statué sur ce bloc pour ce candidat.',
  BLOCK_ALREADY_VALIDATED: 'Ce bloc a déjà été validé : il reste acquis et n’est pas réévalué.',
  BLOCK_NOT_IN_ENROLMENT: 'Le candidat n’est pas inscrit à ce bloc.',
  CANDIDATE_NOT_IN_SESSION: 'Le candidat n’est pas inscrit à la session du jury.',
  CDC_NOT_CONFIGURED: 'Les identifiants CDC (CDC_EMITTER_ID, CDC_CONTRACT_ID) ne sont pas configurés.',
  CORRECTION_REASON_REQUIRED: 'Corriger une évaluation demande d’en donner la raison.',
  CRITERION_ALREADY_NEUTRALISED: 'Ce critère est déjà neutralisé pour ce candidat.',
  CRITERION_IS_CORE: 'Un critère du cœur de métier ne peut pas être neutralisé.',
  CRITERION_NOT_IN_ENROLMENT: 'Ce critère n’appartient pas aux blocs auxquels le candidat est inscrit.',
  DECISION_ALREADY_REVISED: 'Cette décision a déjà été révisée.',
  DETAILS_REQUIRED: 'Un aménagement de type « autre » doit être précisé.',
  DUPLICATE_MEMBER: 'Un membre figure deux fois dans le jury.',
  JURY_COMPOSITION: 'Un jury doit compter des membres.',
  JURY_NOT_CLOSED: 'Le jury n’a pas clos sa délibération.',
  JUSTIFICATION_REQUIRED: 'Une demande d’aménagement doit être justifiée.',
  MEMBER_RECUSED: 'Ce membre est récusé pour ce candidat.',
  MOTIVATION_REQUIRED: 'Une motivation est obligatoire quand la décision s’écarte de la proposition.',
  MOTIVATION_TOO_SHORT: 'La motivation est trop courte.',
  NOT_A_MEMBER: 'Vous n’êtes pas membre de ce jury.',
  NOT_DECIDED_BY_JURY: 'Ce jury n’a rien décidé pour ce candidat.',
  NOT_DECIDED_BY_REVISED_JURY: 'Le jury révisé n’a pas statué sur ce bloc pour ce candidat.',
  NOT_ENROLLED_IN_SESSION: 'Le candidat n’est pas inscrit à cette session.',
  NO_BLOCK_IN_FORCE: 'Le candidat n’a aucun bloc validé et en vigueur sur un procès-verbal définitif : il n’y a rien à attester.',
  NO_REFERENT_OPINION: 'Aucun avis du référent handicap ne recommande de neutraliser ce critère pour ce candidat.',
  NO_SCORE_TO_CORRECT: 'Il n’y a pas d’évaluation à corriger.',
  NO_WITHDRAWAL_PENDING: 'Aucun retrait de cette certification ne reste à faire à la main.',
  PRESIDENT_REQUIRED: 'Un jury doit avoir exactement un président.',
  PROFESSIONAL_REQUIRED: 'Un jury doit compter au moins un professionnel du métier.',
  REASON_REQUIRED: 'La décision sur un aménagement doit être motivée.',
  REFERENTIAL_NOT_PUBLISHED: 'Cette version du référentiel n’est pas publiée.',
  REFERENTIAL_RETIRED: 'Cette version du référentiel est retirée.',
  REFERENT_OPINION_REQUIRED: 'Un temps majoré de plus d’un tiers demande d’abord un avis favorable du référent handicap.',
  REPORT_MATCHES_NO_DECLARATION: 'Aucun passage du compte rendu ne correspond à un envoi de ce certificateur.',
  RETENTION_PERIOD_NOT_OVER: 'La durée de conservation n’est pas écoulée.',
  REVISED_JURY_NOT_CLOSED: 'Le jury révisé n’a pas clos sa délibération.',
  REVISION_NOT_IN_FAVOUR: 'Passé le délai de révision, une décision ne peut changer qu’en faveur du candidat.',
  REVISION_SESSION_MISMATCH: 'Un jury de révision délibère sur la session du jury qu’il révise.',
  SCORES_INCOMPLETE: 'Tous les critères du bloc ne sont pas évalués ou neutralisés : il ne peut pas être validé.',
  SESSION_DATES_INVERTED: 'La session se termine avant de commencer.',
  WITNESS_NOT_REGISTERED: 'Aucun témoin de ce nom n’est enregistré.',
  COSIGNATURE_INVALID: 'La contre-signature ne se vérifie pas avec la clé enregistrée du témoin.',
  PREVIOUS_NOT_COSIGNED: 'La taille précédente ne désigne aucun point de contrôle contre-signé par ce témoin.',
  NOT_VAE_ROUTE: 'Une candidature VAE ne se dépose que pour un candidat inscrit par la voie de la VAE.',
  VAE_STEP_OUT_OF_ORDER: 'Étape de VAE hors de son ordre : candidature, recevabilité, dossier, inscription, entretien, décision.',
  UNKNOWN_MODALITY: 'Le référentiel de la session n’a pas cette modalité d’évaluation.',
  BLOCK_HAS_MODALITIES: 'Ce bloc s’évalue par des modalités : l’absence nomme la modalité manquée, pas le bloc.',
  ABSENCE_ALREADY_RECORDED: 'Cette absence est déjà enregistrée pour le candidat dans cette session.',
  BLOCK_NOT_EVALUATED: 'Ce bloc n’a pas été évalué dans cette session (absence, évaluation annulée pour fraude) : il ne peut pas être validé.',
  DESCRIPTION_REQUIRED: 'Un signalement de fraude décrit ce qui a été constaté.',
  FRAUD_REPORT_NOT_FOUND: 'Aucun signalement de fraude de ce candidat pour la session de ce jury.',
  FRAUD_ALREADY_DECIDED: 'Le jury a déjà statué sur ce signalement de fraude.',
  BAN_END_REQUIRED: 'Une interdiction fixe sa date de fin (après aujourd’hui) ; les autres décisions n’en ont pas.',
  CANDIDATE_BANNED: 'Le candidat est interdit d’inscription par décision du jury jusqu’à la date fixée.',
  VAE_NOT_ADMISSIBLE: 'La candidature VAE a été déclarée irrecevable : ce parcours s’arrête là.',
  VAE_BLOCK_NOT_IN_APPLICATION: 'Le dossier VAE cite un bloc que la candidature ne visait pas.',
  VAE_BLOCK_NOT_IN_FILE: 'Ce bloc n’est pas couvert par le dossier VAE recevable du candidat.',
  VAE_BLOCK_ON_FILE: 'Ce bloc est présenté sur dossier VAE : il se décide sur le dossier et l’entretien, sans évaluation des critères.',
  VAE_INTERVIEW_NOT_HELD: 'Un bloc VAE ne se valide (ou non) qu’après l’entretien du jury avec le candidat.',
  UNKNOWN_BLOCK: 'Le référentiel de la session n’a pas ce bloc.',
  RATE_LIMITED: 'Trop de demandes : patientez quelques secondes.',
  INTERNAL_ERROR: 'Erreur du serveur : réessayez, puis prévenez l’exploitant si elle persiste.',
  SERVICE_UNAVAILABLE: 'Le service est momentanément indisponible : réessayez dans quelques secondes.',
  PROJECTION_LAGGING: 'Les données mettent du temps à se mettre à jour : rechargez dans quelques secondes.',
  LEDGER_LAGGING: 'Le registre d’audit met du temps à se sceller : rechargez dans quelques secondes.',
  LEDGER_KEY_NOT_IN_FORCE: 'La clé de scellement a changé : le serveur doit être redémarré.',
  NETWORK: 'Le serveur ne répond pas : vérifiez la connexion.',
};

/** The sentence to show for an error the API answered (or a network failure). */
export function frenchMessage(error: ApiError): string {
  if (error.status === 412) return FRENCH_MESSAGES.PRECONDITION_FAILED;
  return FRENCH_MESSAGES[error.code] ?? `Erreur ${error.status || ''} : l’action n’a pas abouti.`.replace('  ', ' ');
}

/**
 * Messages to show next to each field: the `details` of a VALIDATION_FAILED
 * answer (`[{ path, message }]`), or, for a 422 rule that names one field of
 * the form, that field. Keys are the body's field names (`motivation`,
 * `criteria.0`…); `_` gathers what names no field.
 */
export function fieldErrors(error: ApiError): Record<string, string> {
  const out: Record<string, string> = {};
  if (error.status === 422) {
    const field = RULE_FIELDS[error.code];
    out[field ?? '_'] = frenchMessage(error);
    return out;
  }
  if (error.code !== 'VALIDATION_FAILED' || !Array.isArray(error.details)) return out;
  for (const detail of error.details as Array<{ path?: unknown; message?: unknown }>) {
    const path = typeof detail?.path === 'string' && detail.path !== '' ? detail.path : '_';
    const text = typeof detail?.message === 'string' ? detail.message : '';
    const french = validationInFrench(text);
    out[path] = out[path] ? `${out[path]} ${french}` : french;
  }
  return out;
}

/** Which field of the form a 422 rule is about, where it names one. */
const RULE_FIELDS: Readonly<Record<string, string>> = {
  MOTIVATION_REQUIRED: 'motivation',
  MOTIVATION_TOO_SHORT: 'motivation',
  SCORES_INCOMPLETE: 'decision',
  BLOCK_ALREADY_DECIDED: 'decision',
  BLOCK_ALREADY_VALIDATED: 'decision',
  CRITERION_IS_CORE: 'criterion',
  CRITERION_NOT_IN_ENROLMENT: 'criterion',
  CRITERION_ALREADY_NEUTRALISED: 'criterion',
  NO_BLOCK_IN_FORCE: 'Le candidat n’a aucun bloc validé et en vigueur sur un procès-verbal définitif : il n’y a rien à attester.',
  NO_REFERENT_OPINION: 'criterion',
  CORRECTION_REASON_REQUIRED: 'correctionReason',
  JUSTIFICATION_REQUIRED: 'justification',
  DETAILS_REQUIRED: 'details',
  REASON_REQUIRED: 'reason',
  SESSION_DATES_INVERTED: 'endsOn',
  PRESIDENT_REQUIRED: 'members',
  PROFESSIONAL_REQUIRED: 'members',
  DUPLICATE_MEMBER: 'members',
  JURY_COMPOSITION: 'members',
};

/** class-validator's sentences, the common ones in French; anything else keeps the API's words. */
function validationInFrench(message: string): string {
  if (/should not exist/.test(message)) return 'Champ inconnu.';
  if (/should not be empty|must be defined|is required/.test(message)) return 'Champ obligatoire.';
  if (/must be shorter than or equal to (\d+)/.test(message)) return `Trop long (au plus ${/(\d+)/.exec(message)![1]} caractères).`;
  if (/must be longer than or equal to (\d+)/.test(message)) return `Trop court (au moins ${/(\d+)/.exec(message)![1]} caractères).`;
  if (/must be one of the following values/.test(message)) return 'Valeur non admise.';
  if (/must be a valid ISO 8601 date|must be a date/.test(message)) return 'Date invalide.';
  if (/must be an email/.test(message)) return 'Adresse électronique invalide.';
  if (/must be a UUID/.test(message)) return 'Identifiant invalide.';
  if (/must be a string/.test(message)) return 'Texte attendu.';
  if (/must be a boolean/.test(message)) return 'Oui ou non attendu.';
  if (/must be (an integer|a number)/.test(message)) return 'Nombre attendu.';
  return message || 'Valeur invalide.';
}
