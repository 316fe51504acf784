import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { fold } from '@app/domain/shared/decider';
import { notFound } from '@app/domain/shared/errors';
import { sessionSpec, sessionStream } from '@app/domain/session/session';
import { EventStore } from '@app/event-store/event-store';
import { Roles } from '@app/platform/auth/roles';
import { asRecorded } from '@app/platform/commands/command-runner';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { IdParam } from '../../http/id-param';

export interface SessionView {
  sessionId: string;
  referentialId: string;
  title: string;
  startsOn: string;
  endsOn: string;
  assessors: string[];
  version: number;
}

/** A session as its stream says now (a stream is small: folding it is the read model). */
@ApiTags('sessions')
@ApiBearerAuth()
@Controller('v1/sessions')
export class ReadSessionController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get(':id')
  @Roles('admin', 'assessor', 'referent', 'jury', 'regulator')
  @ApiOperation({ summary: 'A session: its pinned referential, dates and assessors (ETag: stream version)' })
  async read(@Param('id', new IdParam('session')) id: string, @Res({ passthrough: true }) res: FastifyReply): Promise<SessionView> {
    const events = await this.store.readStream(sessionStream(id), { upcast: true });
    const state = fold(sessionSpec, events.map(asRecorded));
    if (!state.opened) throw notFound('session', id);
    const version = events[events.length - 1].version;
    void res.header('ETag', `"${version}"`);
    return {
      sessionId: state.sessionId!,
      referentialId: state.referentialId!,
      title: state.title!,
      startsOn: state.startsOn!,
      endsOn: state.endsOn!,
      assessors: state.assessors,
      version,
    };
  }
}
