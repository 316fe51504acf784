import type { Pool } from 'pg';

/** A jury convened for a session, with the users who sit on it. */
export interface JurySitting {
  juryId: string;
  sessionId: string;
  memberIds: string[];
}

/**
 * The juries convened for any of these sessions, read from their
 * `JuryConvened` events through the partial index events_juries_by_session
 * (migration 8): one indexed round trip, whatever the size of the log. A
 * jury's members are fixed when it is convened.
 */
export async function juriesOfSessions(pool: Pick<Pool, 'query'>, sessionIds: readonly string[]): Promise<JurySitting[]> {
  if (sessionIds.length === 0) return [];
  const { rows } = await pool.query(
    `SELECT data->>'juryId' AS jury_id, data->>'sessionId' AS session_id, data->'members' AS members
       FROM events WHERE type = 'JuryConvened' AND data->>'sessionId' = ANY($1::text[])
      ORDER BY global_position`,
    [sessionIds],
  );
  return rows.map((r) => ({
    juryId: String(r.jury_id),
    sessionId: String(r.session_id),
    memberIds: Array.isArray(r.members) ? r.members.map((m: { userId?: unknown }) => String(m?.userId ?? '')).filter(Boolean) : [],
  }));
}

/** Whether `userId` sits on a jury of one of these sessions. */
export async function sitsOnAJuryOf(pool: Pick<Pool, 'query'>, userId: string, sessionIds: readonly string[]): Promise<boolean> {
  return (await juriesOfSessions(pool, sessionIds)).some((j) => j.memberIds.includes(userId));
}

/**
 * The candidates ever enrolled in a session, from their `CandidateEnrolled`
 * events: the jury record lists every one of them, undecided ones included
 * (API.md). Read for records only, not on a hot path.
 */
export async function candidatesEnrolledIn(pool: Pick<Pool, 'query'>, sessionId: string): Promise<string[]> {
  const { rows } = await pool.query(`SELECT DISTINCT data->>'candidateId' AS candidate_id FROM events WHERE type = 'CandidateEnrolled' AND data->>'sessionId' = $1`, [sessionId]);
  return rows.map((r) => String(r.candidate_id));
}
