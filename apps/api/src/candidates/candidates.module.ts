import { Module } from '@nestjs/common';
import { ApplyAccommodationController } from './apply-accommodation/apply-accommodation.controller';
import { ApplyAccommodationHandler } from './apply-accommodation/apply-accommodation.handler';
import { DecideAccommodationController } from './decide-accommodation/decide-accommodation.controller';
import { DecideAccommodationHandler } from './decide-accommodation/decide-accommodation.handler';
import { EnrolCandidateController } from './enrol-candidate/enrol-candidate.controller';
import { EnrolCandidateHandler } from './enrol-candidate/enrol-candidate.handler';
import { GiveReferentOpinionController } from './give-referent-opinion/give-referent-opinion.controller';
import { GiveReferentOpinionHandler } from './give-referent-opinion/give-referent-opinion.handler';
import { CandidateContextReader } from './candidate-loading';
import { CandidateIdentity } from './identity';
import { ReadCandidateController } from './read-candidate/read-candidate.controller';
import { RecommendNeutralisationController } from './recommend-neutralisation/recommend-neutralisation.controller';
import { RecommendNeutralisationHandler } from './recommend-neutralisation/recommend-neutralisation.handler';
import { RecordAbsenceController } from './record-absence/record-absence.controller';
import { RecordAbsenceHandler } from './record-absence/record-absence.handler';
import { ReportFraudController } from './report-fraud/report-fraud.controller';
import { ReportFraudHandler } from './report-fraud/report-fraud.handler';
import { RegisterCandidateController } from './register-candidate/register-candidate.controller';
import { RegisterCandidateHandler } from './register-candidate/register-candidate.handler';
import { RequestAccommodationController } from './request-accommodation/request-accommodation.controller';
import { RequestAccommodationHandler } from './request-accommodation/request-accommodation.handler';
import { ScoreCriterionController } from './score-criterion/score-criterion.controller';
import { ScoreCriterionHandler } from './score-criterion/score-criterion.handler';
import { FileVaeApplicationController } from './file-vae-application/file-vae-application.controller';
import { FileVaeApplicationHandler } from './file-vae-application/file-vae-application.handler';
import { DecideVaeAdmissibilityController } from './decide-vae-admissibility/decide-vae-admissibility.controller';
import { DecideVaeAdmissibilityHandler } from './decide-vae-admissibility/decide-vae-admissibility.handler';
import { SubmitVaeFileController } from './submit-vae-file/submit-vae-file.controller';
import { SubmitVaeFileHandler } from './submit-vae-file/submit-vae-file.handler';

/** The candidate's file: registration, enrolment, accommodations, scoring, neutralisation opinions, the VAE path's back-office steps, absences, fraud reports, and its read. */
@Module({
  controllers: [
    RegisterCandidateController,
    EnrolCandidateController,
    RequestAccommodationController,
    GiveReferentOpinionController,
    DecideAccommodationController,
    ApplyAccommodationController,
    ScoreCriterionController,
    RecommendNeutralisationController,
    FileVaeApplicationController,
    DecideVaeAdmissibilityController,
    SubmitVaeFileController,
    RecordAbsenceController,
    ReportFraudController,
    ReadCandidateController,
  ],
  providers: [
    CandidateIdentity,
    CandidateContextReader,
    RegisterCandidateHandler,
    EnrolCandidateHandler,
    RequestAccommodationHandler,
    GiveReferentOpinionHandler,
    DecideAccommodationHandler,
    ApplyAccommodationHandler,
    ScoreCriterionHandler,
    RecommendNeutralisationHandler,
    FileVaeApplicationHandler,
    DecideVaeAdmissibilityHandler,
    SubmitVaeFileHandler,
    RecordAbsenceHandler,
    ReportFraudHandler,
  ],
  exports: [CandidateIdentity],
})
export class CandidatesModule {}
