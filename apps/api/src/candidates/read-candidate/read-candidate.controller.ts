import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { candidateSpec, candidateStream, CandidateState, certificationsOf, decisionsInForce, validatedBlocksOf } from '@app/domain/candidate/candidate';
import { fold, Role } from '@app/domain/shared/decider';
import { forbidden, notFound } from '@app/domain/shared/errors';
import { sessionSpec, sessionStream } from '@app/domain/session/session';
import { EventStore } from '@app/event-store/event-store';
import { CurrentPrincipal, Roles } from '@app/platform/auth/roles';
import { Principal } from '@app/platform/auth/token-verifier';
import { asRecorded } from '@app/platform/commands/command-runner';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { CandidateIdParam } from '../candidate-loading';
import { IdentityViews } from '@app/platform/personal-data/identity-view';
import { Sealed } from '@app/platform/personal-data/vault';
import { PersonalText } from '../personal-text';

/** Roles that read the health texts of the accommodation file (identity follows IdentityViews). */
const HEALTH_READERS: readonly Role[] = ['admin', 'referent'];

/**
 * The candidate's file as its stream says now. Identity and health texts are
 * opened only for the roles that handle them; everyone else gets the file
 * without them. An assessor sees only candidates of the sessions they assess.
 */
@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class ReadCandidateController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly views: IdentityViews,
    private readonly texts: PersonalText,
  ) {}

  @Get(':id')
  @Roles('admin', 'referent', 'jury', 'assessor', 'regulator')
  @ApiOperation({ summary: "The candidate's file (ETag: stream version)", description: "Identity (admin, assessor, referent, jury; pseudonymised for regulators; [erased] after erasure), enrolments, accommodations and their status, scores, opinions, decisions." })
  async read(
    @Param('id', CandidateIdParam()) id: string,
    @CurrentPrincipal() principal: Principal & { actingRole: Role },
    @Res({ passthrough: true }) res: Response,
  ): Promise<Record<string, unknown>> {
    const events = await this.store.readStream(candidateStream(id));
    const state = fold(candidateSpec, events.map(asRecorded));
    if (!state.registered) throw notFound('candidate', id);
    const role = principal.actingRole;
    if (role === 'assessor') await this.assertAssessorOf(state, principal.id);
    const reveal = HEALTH_READERS.includes(role);
    const version = events[events.length - 1].version;
    res.setHeader('ETag', `"${version}"`);
    return {
      candidateId: id,
      version,
      erased: state.erased,
      // Identified for the roles whose work needs the name, a pseudonym for regulators, "[erased]" after erasure.
      identity: await this.views.identity(id, state.identity as Sealed | null, role),
      accessRoute: state.accessRoute,
      enrolments: Object.values(state.enrolments),
      accommodationRequests: await Promise.all(
        Object.values(state.accommodationRequests).map(async (r) => ({
          requestId: r.requestId,
          status: r.status,
          accommodations: await Promise.all(
            r.accommodations.map(async (a) => ({
              type: a.type,
              ...(a.extraTimePercent !== undefined ? { extraTimePercent: a.extraTimePercent } : {}),
              ...(a.details && reveal ? { details: await this.texts.open(a.details) } : {}),
            })),
          ),
          ...(reveal ? { justification: await this.texts.open(r.justification) } : {}),
          opinion: r.opinion && { favourable: r.opinion.favourable, ...(reveal ? { motivation: await this.texts.open(r.opinion.motivation) } : {}) },
          decision: r.decision,
          applications: r.applications,
        })),
      ),
      scores: Object.values(state.scores).flatMap((bySession) => Object.values(bySession)),
      neutralisationOpinions: Object.values(state.neutralisationOpinions),
      decisions: decisionsInForce(state),
      validatedBlocks: validatedBlocksOf(state),
      certifications: certificationsOf(state),
    };
  }

  private async assertAssessorOf(state: CandidateState, userId: string): Promise<void> {
    for (const sessionId of Object.keys(state.enrolments)) {
      const session = fold(sessionSpec, (await this.store.readStream(sessionStream(sessionId))).map(asRecorded));
      if (session.assessors.includes(userId)) return;
    }
    throw forbidden(`${userId} assesses no session of this candidate`);
  }
}
