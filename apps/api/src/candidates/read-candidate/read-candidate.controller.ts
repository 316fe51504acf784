import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { candidateSpec, candidateStream, certificationsOf, decisionsInForce, validatedBlocksOf } from '@app/domain/candidate/candidate';
import { fold, Role } from '@app/domain/shared/decider';
import { notFound } from '@app/domain/shared/errors';
import { EventStore } from '@app/event-store/event-store';
import { CurrentPrincipal, Roles } from '@app/platform/auth/roles';
import { Principal } from '@app/platform/auth/token-verifier';
import { asRecorded } from '@app/platform/commands/command-runner';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { Sealed } from '@app/platform/personal-data/vault';
import { WhoSeesWhat } from '@app/platform/personal-data/who-sees-what';
import { IdParam } from '../../http/id-param';

/**
 * The candidate's file as its stream says now, shown as WhoSeesWhat decides
 * for the reader (docs/security.md, "Who sees what"): out of their work a
 * 403; the identity in clear or a pseudonym; health texts (justification,
 * details, referent motivations, decision reasons, application notes) in
 * clear for admin and referent only, "[withheld]" for the others, who still
 * see what was applied and that a favourable opinion was given, by whom and
 * when; "[erased]" after erasure.
 */
@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class ReadCandidateController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly who: WhoSeesWhat,
  ) {}

  @Get(':id')
  @Roles('admin', 'referent', 'jury', 'assessor', 'regulator')
  @ApiOperation({
    summary: "The candidate's file (ETag: stream version)",
    description:
      "Identity (admin, referent, the assessors of their sessions, the members of those sessions' juries; a pseudonym for regulators; [erased] after erasure), enrolments, accommodations and their status, scores, opinions, decisions, VAE applications; free texts as docs/security.md \"Who sees what\" says. 403 when the candidate is outside the reader's work.",
  })
  async read(
    @Param('id', new IdParam('candidate')) id: string,
    @CurrentPrincipal() principal: Principal & { actingRole: Role; grantedRoles: Role[] },
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const stored = await this.store.readStream(candidateStream(id), { upcast: true });
    const state = fold(candidateSpec, stored.map(asRecorded));
    if (!state.registered) throw notFound('candidate', id);
    const view = await this.who.view({ id: principal.id, roles: principal.grantedRoles }, id, Object.keys(state.enrolments));
    const requests = Object.values(state.accommodationRequests);
    const scores = Object.values(state.scores).flatMap((bySession) => Object.values(bySession));
    const texts = await this.who.texts(view, state.erased).load([
      ...requests.flatMap((r) => [r.justification, r.opinion?.motivation, r.decision?.reason, ...r.accommodations.map((a) => a.details), ...r.applications.map((a) => a.note)]),
      ...scores.map((s) => s.comment),
      ...Object.values(state.appeals).map((a) => a.reason),
      ...(state.vaeApplications ?? []).flatMap((a) => [a.summary, a.admissibility?.motivation, a.file?.description]),
    ]);
    // Who gave each referent opinion and when: what jury members and assessors may know of it.
    const opinionGiven = new Map(
      stored.filter((e) => e.type === 'ReferentOpinionGiven').map((e) => [String(e.data.requestId), { by: String(e.metadata?.actor?.id ?? ''), at: e.recordedAt }]),
    );
    const version = stored[stored.length - 1].version;
    void res.header('ETag', `"${version}"`);
    return {
      candidateId: id,
      version,
      erased: state.erased,
      identity: await this.who.identity(id, state.identity as Sealed | null, view),
      accessRoute: state.accessRoute,
      enrolments: Object.values(state.enrolments),
      accommodationRequests: requests.map((r) => ({
        requestId: r.requestId,
        status: r.status,
        accommodations: r.accommodations.map((a) => ({
          type: a.type,
          ...(a.extraTimePercent !== undefined ? { extraTimePercent: a.extraTimePercent } : {}),
          ...(a.details ? { details: texts.show(a.details, 'health') } : {}),
        })),
        justification: texts.show(r.justification, 'health'),
        opinion: r.opinion && {
          favourable: r.opinion.favourable,
          by: opinionGiven.get(r.requestId)?.by ?? null,
          at: opinionGiven.get(r.requestId)?.at ?? null,
          motivation: texts.show(r.opinion.motivation, 'health'),
        },
        decision: r.decision && { granted: r.decision.granted, reason: texts.show(r.decision.reason, 'health') },
        applications: r.applications.map((a) => ({ sessionId: a.sessionId, evaluation: a.evaluation, ...(a.note !== undefined ? { note: texts.show(a.note, 'health') } : {}) })),
      })),
      scores: scores.map(({ comment, ...score }) => ({ ...score, ...(comment !== undefined ? { comment: texts.show(comment, 'personal') } : {}) })),
      neutralisationOpinions: Object.values(state.neutralisationOpinions).map(({ opinionId, criteria }) => ({ opinionId, criteria })),
      decisions: decisionsInForce(state),
      validatedBlocks: validatedBlocksOf(state),
      certifications: certificationsOf(state),
      // The VAE path's back-office steps (docs/paths.md); the interviews are the jury's, in its record.
      vaeApplications: (state.vaeApplications ?? []).map((a) => ({
        applicationId: a.applicationId,
        referentialId: a.referentialId,
        certificationCode: a.certificationCode,
        blocks: a.blocks,
        summary: texts.show(a.summary, 'personal'),
        filedAt: a.filedAt,
        admissibility: a.admissibility && { admissible: a.admissibility.admissible, motivation: texts.show(a.admissibility.motivation, 'personal'), decidedAt: a.admissibility.decidedAt },
        file: a.file && { blocks: a.file.blocks, description: texts.show(a.file.description, 'personal'), submittedAt: a.file.submittedAt },
      })),
    };
  }
}
