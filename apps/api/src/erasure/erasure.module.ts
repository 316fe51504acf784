import { Module } from '@nestjs/common';
import { EraseCandidatePersonalDataController } from './erase-personal-data/erase-personal-data.controller';
import { EraseCandidatePersonalDataHandler } from './erase-personal-data/erase-personal-data.handler';

/** GDPR erasure (crypto-shredding) of a candidate's personal data. */
@Module({
  controllers: [EraseCandidatePersonalDataController],
  providers: [EraseCandidatePersonalDataHandler],
})
export class ErasureModule {}
