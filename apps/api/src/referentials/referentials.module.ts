import { Module } from '@nestjs/common';
import { DraftReferentialController } from './draft-referential/draft-referential.controller';
import { DraftReferentialHandler } from './draft-referential/draft-referential.handler';
import { PublishReferentialController } from './publish-referential/publish-referential.controller';
import { PublishReferentialHandler } from './publish-referential/publish-referential.handler';
import { ReadReferentialsController } from './read-referentials/read-referentials.controller';
import { ReferentialReader } from './read-referentials/referential-reader';
import { RetireReferentialController } from './retire-referential/retire-referential.controller';
import { RetireReferentialHandler } from './retire-referential/retire-referential.handler';

/** Referential versions: draft, publish, retire, read. The CLI import runs the same handlers. */
@Module({
  controllers: [DraftReferentialController, PublishReferentialController, RetireReferentialController, ReadReferentialsController],
  providers: [DraftReferentialHandler, PublishReferentialHandler, RetireReferentialHandler, ReferentialReader],
  exports: [ReferentialReader],
})
export class ReferentialsModule {}
