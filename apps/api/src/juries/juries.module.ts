import { Module } from '@nestjs/common';
import { ApproveRecordController } from './approve-record/approve-record.controller';
import { ApproveRecordHandler } from './approve-record/approve-record.handler';
import { CloseDeliberationController } from './close-deliberation/close-deliberation.controller';
import { CloseDeliberationHandler } from './close-deliberation/close-deliberation.handler';
import { ConveneJuryController } from './convene-jury/convene-jury.controller';
import { ConveneJuryHandler } from './convene-jury/convene-jury.handler';
import { DecideBlockController } from './decide-block/decide-block.controller';
import { DecideBlockHandler } from './decide-block/decide-block.handler';
import { DecideFraudController } from './decide-fraud/decide-fraud.controller';
import { DecideFraudHandler } from './decide-fraud/decide-fraud.handler';
import { DesignatePresidentController } from './designate-president/designate-president.controller';
import { DesignatePresidentHandler } from './designate-president/designate-president.handler';
import { LodgeAppealController } from './lodge-appeal/lodge-appeal.controller';
import { LodgeAppealHandler } from './lodge-appeal/lodge-appeal.handler';
import { NeutraliseCriterionController } from './neutralise-criterion/neutralise-criterion.controller';
import { NeutraliseCriterionHandler } from './neutralise-criterion/neutralise-criterion.handler';
import { OpenDeliberationController } from './open-deliberation/open-deliberation.controller';
import { OpenDeliberationHandler } from './open-deliberation/open-deliberation.handler';
import { DecisionLetters } from './decision-letters/decision-letters';
import { DecisionLettersController } from './decision-letters/decision-letters.controller';
import { IssueDecisionLettersHandler } from './decision-letters/issue-letters.handler';
import { HoldVaeInterviewController } from './hold-vae-interview/hold-vae-interview.controller';
import { HoldVaeInterviewHandler } from './hold-vae-interview/hold-vae-interview.handler';
import { JuryRecordReader } from './read-record/jury-record-reader';
import { ReadRecordController } from './read-record/read-record.controller';
import { RecuseMemberController } from './recuse-member/recuse-member.controller';
import { RecuseMemberHandler } from './recuse-member/recuse-member.handler';

/** Jury deliberations: convene, recuse, hold VAE interviews, open, neutralise, decide, designate a substitute president, close and seal (with the awards and withdrawals), the members' approvals of the sealed record, appeal, the record (JSON and PDF), and the decision letters. */
@Module({
  controllers: [
    ConveneJuryController,
    RecuseMemberController,
    OpenDeliberationController,
    NeutraliseCriterionController,
    DecideBlockController,
    HoldVaeInterviewController,
    DecideFraudController,
    DesignatePresidentController,
    CloseDeliberationController,
    ApproveRecordController,
    LodgeAppealController,
    ReadRecordController,
    DecisionLettersController,
  ],
  providers: [
    ConveneJuryHandler,
    RecuseMemberHandler,
    OpenDeliberationHandler,
    NeutraliseCriterionHandler,
    DecideBlockHandler,
    HoldVaeInterviewHandler,
    DecideFraudHandler,
    DesignatePresidentHandler,
    CloseDeliberationHandler,
    ApproveRecordHandler,
    LodgeAppealHandler,
    JuryRecordReader,
    IssueDecisionLettersHandler,
    DecisionLetters,
  ],
  exports: [JuryRecordReader],
})
export class JuriesModule {}
