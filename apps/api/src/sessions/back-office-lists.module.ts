import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BackOfficeQuery } from '@app/projections/back-office/back-office.query';
import { ProjectionsModule } from '@app/projections/projections.module';
import { ListJuriesController } from '../juries/list-juries/list-juries.controller';
import { DeliberationSheetController } from './deliberation-sheet/deliberation-sheet.controller';
import { DeliberationSheetReader } from './deliberation-sheet/deliberation-sheet.reader';
import { ListSessionsController } from './list-sessions/list-sessions.controller';

/** The back office's lists: sessions, the deliberation sheet of a session (JSON and CSV), juries. */
@Module({
  imports: [ProjectionsModule],
  controllers: [ListSessionsController, DeliberationSheetController, ListJuriesController],
  providers: [{ provide: BackOfficeQuery, useFactory: (dataSource: DataSource) => new BackOfficeQuery(dataSource), inject: [DataSource] }, DeliberationSheetReader],
})
export class BackOfficeListsModule {}
