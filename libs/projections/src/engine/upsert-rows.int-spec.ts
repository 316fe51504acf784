import type { PoolClient } from 'pg';
import { embeddedDatabase, serverDatabase, TestDatabase } from '../../../../test/support/databases';
import { foldState, UpsertColumn, upsertRows } from './upsert-rows';

jest.setTimeout(60_000);

const COLUMNS: UpsertColumn[] = [
  ['id', 'text'],
  ['part', 'integer'],
  ['state', 'json'],
  ['view', 'jsonb'],
  ['tags', 'text[]'],
  ['done', 'boolean'],
  ['note', 'text'],
  foldState('fold'),
];

const row = (i: number, round: number) => ({
  id: `c${i}`,
  part: i % 3,
  // Quotes, backslashes, non-ASCII and a nested array: every value goes through as it is.
  state: { round, name: `Zoé "${i}" \\ d'Arc`, scores: { 'CE1.1': round % 2 ? 'acquired' : 'not-acquired' }, list: [i, null, true] },
  view: { total: i, proposal: round ? 'acquired' : null },
  // Array elements that stand bare and elements that need quoting (textArray): each comes back as written.
  tags: [`b:${i}`, 'p:*:acquired', 'with,comma', 'a "quote" \\ back\\', 'NULL', 'null', '', ' spaced ', '{brace}', 'Zoé', null],
  fold: { round, candidateId: `c${i}`, blocks: [{ code: 'BC01', scores: { 'CE1.1': 'acquired' } }], note: `"${i}" \\` },
  done: round > 0,
  note: round ? null : undefined,
});

async function withClient<T>(t: TestDatabase, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await t.db.pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

describe.each([
  ['a server, in pieces of 25 rows', () => serverDatabase(), 25],
  ['the embedded database, every row in one statement', () => embeddedDatabase(), undefined],
] as const)('upsertRows on %s', (_, open, rowsPerStatement) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await open();
    await t.db.pool.query(`CREATE TABLE upserted (id text, part integer, state json NOT NULL, view jsonb, tags text[], done boolean, note text, fold text, PRIMARY KEY (id, part))`);
  });
  afterEach(async () => t?.dispose());

  it('inserts, then updates, every value as written, and says which rows it inserted', async () => {
    const statements: string[] = [];
    const first = Array.from({ length: 60 }, (_, i) => row(i, 0));
    const inserted = await withClient(t, (client) => {
      const counting = new Proxy(client, { get: (c, p) => (p === 'query' ? (q: { text: string }, ...rest: unknown[]) => (statements.push(q.text), (c.query as Function).call(c, q, ...rest)) : Reflect.get(c, p)) });
      return upsertRows({ client: counting, rowsPerStatement }, 'upserted', ['id', 'part'], COLUMNS, first, 'id');
    });
    expect(statements).toHaveLength(rowsPerStatement ? 3 : 1);
    expect(inserted.map((r) => r.id).sort()).toEqual(first.map((r) => r.id).sort());

    const second = [...Array.from({ length: 30 }, (_, i) => row(i, 1)), row(100, 1)];
    const again = await withClient(t, (client) => upsertRows({ client, rowsPerStatement }, 'upserted', ['id', 'part'], COLUMNS, second, 'id'));
    expect(again.map((r) => r.id)).toEqual(['c100']);

    const { rows } = await t.db.pool.query(`SELECT id, part, state, view, tags, done, note, fold, state::text AS text FROM upserted ORDER BY part, id`);
    expect(rows).toHaveLength(61);
    const expected = new Map([...first, ...second].map((r) => [r.id, r]));
    for (const r of rows) {
      const e = expected.get(r.id)!;
      expect({ id: r.id, part: r.part, state: r.state, view: r.view, tags: r.tags, done: r.done, note: r.note, fold: JSON.parse(r.fold) }).toEqual({ ...e, note: e.note ?? null });
      // json keeps the text as JSON.stringify wrote it (key order included); a fold state is that text.
      expect(r.text).toBe(JSON.stringify(e.state));
      expect(r.fold).toBe(JSON.stringify(e.fold));
    }
  });

  it('splits a batch whose values would pass the protocol limit of parameters', async () => {
    // 8 columns: at most 8,191 rows per statement.
    const many = Array.from({ length: 10_000 }, (_, i) => ({ id: `m${i}`, part: 0, state: { i }, view: null, tags: [], done: false, note: null, fold: { i } }));
    await withClient(t, (client) => upsertRows({ client, rowsPerStatement }, 'upserted', ['id', 'part'], COLUMNS, many));
    const { rows } = await t.db.pool.query(`SELECT count(*)::int AS n, count(DISTINCT state::text)::int AS d FROM upserted`);
    expect(rows[0]).toEqual({ n: 10_000, d: 10_000 });
  });
});
