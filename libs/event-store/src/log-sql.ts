/**
 * The SQL every gap-safe reader of the log shares, written once.
 *
 * A sequence value is taken before its transaction commits, so positions
 * commit out of order: reading `position > last` would skip a late commit.
 * A gap-safe reader reads only transactions older than every one still
 * running, in (transaction id, position) order, and keeps that pair as its
 * checkpoint; a late commit is then read later, never skipped.
 */

/** Events of transactions older than every one still running: the gap-safe horizon. */
export function visible(alias: string): string {
  return `${alias}.transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;
}

/**
 * Visible events after a checkpoint. `tx` and `pos` are SQL expressions (a
 * parameter such as `$1`, or a column of a sub-select); without them, every
 * visible event.
 */
export function gapSafe(alias: string, after?: { tx: string; pos: string }): string {
  if (!after) return visible(alias);
  return `${visible(alias)} AND (${alias}.transaction_id, ${alias}.global_position) > (${after.tx}, ${after.pos})`;
}

/**
 * The gap-safe order. It names the table: bare, ORDER BY would sort by the
 * text alias of a select list ('1000' < '999', skipping events when
 * transaction ids gain a digit) and could not use the index.
 */
export function gapSafeOrder(alias: string): string {
  return `ORDER BY ${alias}.transaction_id, ${alias}.global_position`;
}

/** A checkpoint as parameters: `$n::text::xid8, $m::bigint`. */
export function checkpointParams(tx: number, pos: number): { tx: string; pos: string } {
  return { tx: `$${tx}::text::xid8`, pos: `$${pos}::bigint` };
}

/**
 * The columns of a stored event, as the store's row reader expects them.
 * `metadata: false` (the lean read of `readAll`): NULL for metadata and hash,
 * and `recorded_at` already in the form `toISOString` gives (UTC,
 * milliseconds truncated as the driver's date parser truncates them), so the
 * reader neither parses a date nor formats one per event.
 */
export function eventColumns(alias: string, options: { metadata?: boolean } = {}): string {
  const lean: Record<string, string> = {
    metadata: 'NULL AS metadata',
    hash: 'NULL AS hash',
    recorded_at: `to_char(${alias}.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at`,
  };
  return ['global_position', 'transaction_id::text AS transaction_id', 'stream_id', 'version', 'event_id', 'type', 'schema_version', 'data', 'metadata', 'recorded_at', 'hash']
    .map((column) => (options.metadata === false && lean[column] ? lean[column] : `${alias}.${column}`))
    .join(', ');
}
