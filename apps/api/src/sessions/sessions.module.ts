import { Module } from '@nestjs/common';
import { AssignAssessorController } from './assign-assessor/assign-assessor.controller';
import { AssignAssessorHandler } from './assign-assessor/assign-assessor.handler';
import { OpenSessionController } from './open-session/open-session.controller';
import { OpenSessionHandler } from './open-session/open-session.handler';
import { ReadSessionController } from './read-session/read-session.controller';

/** Exam sessions: open on a published referential, assign assessors, read. */
@Module({
  controllers: [OpenSessionController, AssignAssessorController, ReadSessionController],
  providers: [OpenSessionHandler, AssignAssessorHandler],
})
export class SessionsModule {}
