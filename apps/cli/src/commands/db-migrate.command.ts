import { loadConfig } from '@app/platform/config';
import { CliCommand } from '../command';

/**
 * Every module migrates its own tables when it starts; starting the whole
 * application once (projections off, no HTTP listener) and closing it applies
 * them all, under the same advisory locks, before the services start.
 */
export const dbMigrateCommand: CliCommand = {
  name: 'db migrate',
  summary: 'apply every database migration (run once before starting the services), then exit',
  usage: 'db migrate',
  async run() {
    const env = { ...process.env, RUN_PROJECTIONS: 'false' };
    const config = loadConfig(env);
    const started = Date.now();
    // Loaded on use: the whole application graph is heavy, and `help` should stay instant.
    const { createApp } = await import('../../../api/src/bootstrap');
    const app = await createApp(config, env);
    await app.init();
    await app.close();
    process.stderr.write(`migrations applied (${Date.now() - started} ms)\n`);
    return 0;
  },
};
