import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@app/platform/config';
import { describeDatabaseUrl, StartupQuietLogger, startupFailure, startupLines } from './startup';

describe('API start-up messages', () => {
  it('names a database by host, port and name, never by user or password', () => {
    expect(describeDatabaseUrl('postgres://app:secret@db.internal:6543/cert')).toBe('db.internal:6543/cert');
    expect(describeDatabaseUrl('postgres://db.internal/cert')).toBe('db.internal:5432/cert');
    expect(describeDatabaseUrl('not a url')).not.toContain('not a url');
  });

  it('gives a terminal four lines: address with the real port, database, mode, docs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cert-startup-lines-'));
    try {
      const lines = startupLines(loadConfig({ DATA_DIR: dir }), 41234, {});
      expect(lines).toHaveLength(4);
      expect(lines[0]).toMatch(/^API listening on http:\/\/localhost:41234 /);
      expect(lines[1]).toContain(`embedded PostgreSQL (PGlite) in ${dir}`);
      expect(lines[2]).toMatch(/mode: +development tokens/);
      expect(lines[3]).toContain('http://localhost:41234/docs');
      const server = startupLines(loadConfig({ DATA_DIR: dir, DATABASE_URL: 'postgres://u:pw@pg:5432/cert', DATABASE_SCHEMA: 'cert' }), 3000, {});
      expect(server[1]).toBe('  database: PostgreSQL at pg:5432/cert, schema cert');
      expect(server.join('\n')).not.toContain('pw');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps Nest's start-up info lines at debug until the API listens, then logs info again", () => {
    const lines: string[] = [];
    const logger = new StartupQuietLogger('info', { write: (l) => lines.push(l) });
    logger.log('Mapped {/health, GET} route', 'RouterExplorer');
    logger.warn('a warning is always shown', 'Auth');
    logger.startedListening();
    logger.log('SIGTERM: finishing in-flight requests', 'Main');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['a warning is always shown', 'SIGTERM: finishing in-flight requests']);
    const debug: string[] = [];
    const verbose = new StartupQuietLogger('debug', { write: (l) => debug.push(l) });
    verbose.log('Mapped {/health, GET} route', 'RouterExplorer');
    expect(debug).toHaveLength(1);
  });

  it('exits 2 for what the operator fixes (setting, held data directory), 1 for the rest', () => {
    expect(startupFailure(Object.assign(new Error('PORT must be…'), { name: 'ConfigError' }))).toEqual({ line: 'configuration error: PORT must be…', exitCode: 2 });
    expect(startupFailure(Object.assign(new Error('in use by process 12'), { name: 'DataDirectoryLockedError' })).exitCode).toBe(2);
    expect(startupFailure(new Error('boom')).exitCode).toBe(1);
  });
});
