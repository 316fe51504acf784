import * as pg from 'pg';
import { DataSource } from 'typeorm';
import { Database } from '@app/event-store/database';

/**
 * A TypeORM DataSource over the process's one pool (the CLI and tests; the
 * Nest apps get theirs from persistence.module). Close the Database, never
 * this DataSource: destroying it would end the shared pool.
 */
export async function sharedDataSource(db: Database, entities: Function[]): Promise<DataSource> {
  const driver = { ...pg, Pool: function SharedPool() { return db.pool; } };
  const dataSource = new DataSource({ type: 'postgres', driver, schema: db.schema, entities, synchronize: false, logging: false });
  await dataSource.initialize();
  return dataSource;
}
