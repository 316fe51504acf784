import { candidateStream } from '@app/domain/candidate/candidate';
import { Controller, Get, Headers, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { notFound, unavailable } from '@app/domain/shared/errors';
import { EventStore } from '@app/event-store/event-store';
import { Roles } from '@app/platform/auth/roles';
import { WhoSeesWhat, Reader } from '@app/platform/personal-data/who-sees-what';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { CandidateProgressView } from '@app/projections/candidate-progress/candidate-progress.evolve';
import { CANDIDATE_PROGRESS } from '@app/projections/candidate-progress/candidate-progress.projection';
import { CandidateProgressQuery } from '@app/projections/candidate-progress/candidate-progress.query';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { IdParam } from '../http/id-param';
import { awaitMinPosition } from '../http/min-position';
import { Refusals } from '../http/refusals';
import { isCut, parseCut } from '../http/time-travel';
import { CurrentReader } from '../http/reader';

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class ProgressController {
  constructor(
    private readonly progress: CandidateProgressQuery,
    private readonly runtime: ProjectionRuntime,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly who: WhoSeesWhat,
  ) {}

  @Get(':id/progress')
  @Roles('admin', 'assessor', 'jury', 'regulator')
  @ApiOperation({ summary: "The candidate's progress per block, live or as it stood at asOf / atPosition", description: "Per block: the proposal computed from the scores of the block's session (not-evaluated after an absence, notEvaluated saying why), its attempt number, the jury's decision in force, the criteria counted." })
  @ApiQuery({ name: 'asOf', required: false, description: 'ISO 8601 timestamp: the answer as it stood then (folded from the log)' })
  @ApiQuery({ name: 'atPosition', required: false, description: 'global log position: the answer as it stood once that position was written' })
  @ApiHeader({ name: 'X-Min-Position', required: false, description: 'wait (up to 5 s) until the read model has processed this log position (the `position` a command returned)' })
  @ApiResponse({
    status: 200,
    description:
      '{ candidateId, certified, blocks: [{ code, proposal, notEvaluated, attempt, decision, criteria: { total, scored, acquired, neutralised }, vae? }], appealDeadline, letters: [{ juryId, issuedAt, appealDeadline }], vae? } — ' +
      'beyond API.md: the decision letters issued and the end of the recours gracieux (YYYY-MM-DD, the latest letter’s at the top; null before any letter); `notEvaluated` and `attempt` (docs/paths.md "Resits", "Absence", "Fraud"); ' +
      '`vae` (docs/paths.md "VAE"): on a block enrolled on a VAE file `{ decidedOn: "file-and-interview", applicationId, admissibility, fileCovers, interviewHeldOn }`; at the top, for a candidate who filed an application, `[{ applicationId, certificationCode, blocks, admissibility, file, interviews }]`',
  })
  @ApiResponse({ status: 403, description: "the candidate is outside the reader's work (assessors: their sessions' candidates; jury members: their juries' sessions)" })
  @ApiResponse({ status: 404, description: 'unknown candidate (or not yet registered at asOf / atPosition)' })
  @Refusals('PROJECTION_LAGGING')
  async read(
    @Param('id', new IdParam('candidate')) id: string,
    @Query('asOf') asOf: string | undefined,
    @Query('atPosition') atPosition: string | undefined,
    @Headers('x-min-position') minPosition: string | undefined,
    @CurrentReader() reader: Reader,
  ): Promise<CandidateProgressView> {
    const cut = parseCut(asOf, atPosition);
    // In scope or 403, whatever the time asked: scope is the reader's work now (docs/security.md).
    await this.who.assertInScope(reader, id);
    if (isCut(cut)) {
      // Folded from the log itself: always as of that point, whatever the projection's lag.
      const then = await this.progress.at(id, { asOf: cut.asOf, position: cut.atPosition });
      if (!then) throw notFound('candidate', id);
      return then;
    }
    await awaitMinPosition(
      minPosition,
      (position, timeoutMs) => this.runtime.waitFor(CANDIDATE_PROGRESS, position, timeoutMs),
      (position) => unavailable('PROJECTION_LAGGING', `the progress read model has not reached position ${position} yet; retry shortly`),
    );
    const live = await this.progress.live(id);
    if (live) return live;
    // Not projected (yet): the log decides whether the candidate exists, and answers it folded.
    if ((await this.store.streamVersion(candidateStream(id))) === 0) throw notFound('candidate', id);
    const now = await this.progress.at(id, {});
    if (!now) throw notFound('candidate', id);
    return now;
  }
}
