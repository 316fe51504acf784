import { Module } from '@nestjs/common';
import { ProjectionsModule } from '@app/projections/projections.module';
import { ProgressController } from './progress.controller';
import { ProjectionsController } from './projections.controller';

/** Read-model queries: candidate progress (live, read-your-writes, time travel) and the projections' status. */
@Module({
  imports: [ProjectionsModule],
  controllers: [ProgressController, ProjectionsController],
})
export class ProgressModule {}
