import { Module } from '@nestjs/common';
import { ProjectionsModule } from '@app/projections/projections.module';
import { SearchCandidatesController } from './search-candidates.controller';

/** `GET /v1/candidates`: the back office's search by identity, on the blind index read model. */
@Module({
  imports: [ProjectionsModule],
  controllers: [SearchCandidatesController],
})
export class SearchCandidatesModule {}
