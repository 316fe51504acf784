import { productionFiles, source, withoutComments } from './source-files';

/**
 * Only libs/event-store speaks SQL to the log: everyone else goes through the
 * store's named functions (docs/event-store.md). This scans the production
 * code of apps/ and libs/ for SQL naming the `events` or `streams` tables.
 * Tests are left out on purpose: some must reach behind the store (tampering
 * with a stored event, counting rows a crash left behind).
 */
const LOG_TABLE = /\b(?:from|join|into|update|table|truncate|on)\s+(?:only\s+)?(?:"?public"?\.)?"?(?:events|streams)"?(?![\w-])/i;

export function sqlOnTheLog(text: string): string[] {
  return withoutComments(text)
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => LOG_TABLE.test(line))
    .map(({ line, n }) => `${n}: ${line}`);
}

describe('SQL on the log stays in libs/event-store', () => {
  it('finds SQL on events or streams in a line (the check can fail)', () => {
    expect(sqlOnTheLog('const { rows } = await pool.query(`SELECT count(*) FROM events WHERE type = $1`, [t]);')).toHaveLength(1);
    expect(sqlOnTheLog("db.query('select version from streams where stream_id = $1')")).toHaveLength(1);
    expect(sqlOnTheLog('`INSERT INTO events (stream_id) VALUES ($1)`')).toHaveLength(1);
    expect(sqlOnTheLog('  JOIN events e ON e.global_position = l.global_position')).toHaveLength(1);
    expect(sqlOnTheLog("import { EventEmitter } from 'node:events';\n// reads FROM events, in a comment\nconst x = readFrom(events);")).toEqual([]);
  });

  it('no production file outside libs/event-store names the events or streams table in SQL', () => {
    const files = productionFiles('apps', 'libs').filter((f) => !f.startsWith('libs/event-store/'));
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((file) => sqlOnTheLog(source(file)).map((hit) => `${file}:${hit}`));
    expect(found).toEqual([]);
  });
});
