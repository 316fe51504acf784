import 'reflect-metadata';
import { loadConfig } from '@app/platform/config';
import { CommandInput, noPositionals } from '../command';

/**
 * Every module migrates its own tables when it starts; starting the whole
 * application once (projections off, no HTTP listener) and closing it applies
 * them all, under the same advisory locks, before the services start.
 */
export async function run(input: CommandInput): Promise<number> {
  noPositionals(input);
  // Nest's start-up lines (a hundred) say nothing to someone migrating: warnings and errors only, unless asked.
  const env = { ...process.env, RUN_PROJECTIONS: 'false', LOG_LEVEL: process.env.LOG_LEVEL || 'warn' };
  const config = loadConfig(env);
  const started = Date.now();
  const { createApp } = await import('../../../api/src/bootstrap');
  const app = await createApp(config, env);
  await app.init();
  await app.close();
  process.stderr.write(`migrations applied (${Date.now() - started} ms)\n`);
  return 0;
}
