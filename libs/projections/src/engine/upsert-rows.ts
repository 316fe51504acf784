import { createHash } from 'node:crypto';
import type { ProjectionContext } from './projection';
import { FOLD_STATE, inPieces } from './projection';

/**
 * A column an upsert writes: its name and SQL type (`json` and `jsonb` values
 * go as JSON text, arrays as arrays), and `json` for a `text` column that
 * holds a value as JSON (a fold state: foldState).
 */
export type UpsertColumn = readonly [name: string, type: string, encoding?: 'json'];

/** A fold state's column (FOLD_STATE): the state goes as its JSON text. */
export const foldState = (name: string): UpsertColumn => [name, FOLD_STATE, 'json'];

/** The most parameters one statement may carry (PostgreSQL's protocol counts them in 16 bits). */
const MAX_PARAMETERS = 65_535;

/** Statements by shape, for pieces of up to this many rows (a server's; the embedded database's batches go whole, of any size). */
const KEPT_ROWS = 64;
const KEPT_SHAPES = 2_000;
const STATEMENTS = new Map<string, { text: string; name: string }>();

/**
 * Inserts or updates `rows` (objects keyed by column name) in `table`, keyed
 * by `key`: a multi-row `INSERT … VALUES … ON CONFLICT DO UPDATE` with one
 * parameter per value, in pieces of the batch's `rowsPerStatement`. A JSON
 * value is its own parameter, which PostgreSQL reads once as the column's
 * type; as one JSON document for all rows (`jsonb_to_recordset`) it parsed
 * the document, then each value again into its column (a candidate's 4.3 kB
 * fold state: 36-42 µs of the server's CPU per row that way, 12-14 µs this
 * way; docs/performance.md, "Read models"). On a server the statement of each
 * shape (table, columns, rows in the piece) is prepared once per connection.
 *
 * With `returning`, those columns of the rows that were inserted (not
 * updated) come back.
 */
export async function upsertRows(
  tx: Pick<ProjectionContext, 'client' | 'rowsPerStatement'>,
  table: string,
  key: readonly string[],
  columns: readonly UpsertColumn[],
  rows: ReadonlyArray<Record<string, unknown>>,
  returning?: string,
): Promise<Array<Record<string, unknown>>> {
  const inserted: Array<Record<string, unknown>> = [];
  if (rows.length === 0) return inserted;
  const named = tx.rowsPerStatement !== undefined;
  const size = Math.min(tx.rowsPerStatement ?? Number.POSITIVE_INFINITY, Math.floor(MAX_PARAMETERS / columns.length));
  for (const piece of inPieces(rows, size)) {
    const { text, name } = statement(table, key, columns, piece.length, returning);
    const values: unknown[] = [];
    for (const row of piece) {
      for (const [column, type, encoding] of columns) {
        const value = row[column];
        values.push(
          value === undefined || value === null
            ? null
            : type === 'json' || type === 'jsonb' || encoding === 'json'
              ? JSON.stringify(value)
              : type === 'text[]'
                ? textArray(value as Array<string | null>)
                : value,
        );
      }
    }
    const result = await tx.client.query({ text, values, name: named ? name : undefined });
    if (returning) for (const r of result.rows) if (r.inserted) inserted.push(r);
  }
  return inserted;
}

/** Elements that stand unquoted in an array literal: no quote, backslash, brace, comma or space, and not NULL. */
const BARE_ELEMENT = /^[A-Za-z0-9:*._@+-]+$/;

/**
 * A `text[]` value as PostgreSQL's array literal, written here: the driver's
 * own conversion quotes and escapes every element through a regular
 * expression, and the sheet's filter tokens (32 per line) go with every
 * score. Elements that need it are quoted and escaped the same way.
 */
export function textArray(values: ReadonlyArray<string | null>): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) literal += ',';
    if (v === null || v === undefined) literal += 'NULL';
    else literal += BARE_ELEMENT.test(v) && v.toUpperCase() !== 'NULL' ? v : `"${v.replace(/[\\"]/g, '\\$&')}"`;
  }
  return literal + '}';
}

function statement(table: string, key: readonly string[], columns: readonly UpsertColumn[], count: number, returning?: string): { text: string; name: string } {
  const id = `${table}\u0000${key.join(',')}\u0000${columns.map(([n, t]) => `${n} ${t}`).join(',')}\u0000${count}\u0000${returning ?? ''}`;
  let found = STATEMENTS.get(id);
  if (found) return found;
  const names = columns.map(([name]) => name);
  const tuples: string[] = [];
  for (let r = 0; r < count; r++) tuples.push(`(${columns.map(([, type], c) => `$${r * columns.length + c + 1}::${type}`).join(', ')})`);
  const updated = names.filter((n) => !key.includes(n));
  const text = `INSERT INTO ${table} AS t (${names.join(', ')}) VALUES ${tuples.join(', ')}
     ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${updated.map((n) => `${n} = excluded.${n}`).join(', ')}${returning ? `\n     RETURNING ${returning}, t.xmax = 0 AS inserted` : ''}`;
  // The name only has to differ between texts: PostgreSQL keeps 63 bytes of it.
  found = { text, name: `projection_upsert_${createHash('sha1').update(text).digest('hex').slice(0, 24)}` };
  if (count <= KEPT_ROWS) {
    // Each rebuild makes new tables: shapes of generations gone are dropped now and then.
    if (STATEMENTS.size >= KEPT_SHAPES) STATEMENTS.clear();
    STATEMENTS.set(id, found);
  }
  return found;
}
