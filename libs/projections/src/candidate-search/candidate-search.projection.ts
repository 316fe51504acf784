import type { PoolClient } from 'pg';
import type { StoredEvent } from '@app/event-store/event-store';
import { BlindIndexKey, blindIndexesOf, SearchableIdentityField } from '@app/platform/personal-data/blind-index';
import type { KeyEncryptionKeys } from '@app/platform/personal-data/kek';
import { isSealed, openSealedWith, Sealed } from '@app/platform/personal-data/sealed-values';
import { EventApplyError, Projection } from '../engine/projection';

export const CANDIDATE_SEARCH = 'candidate-search';

export const CANDIDATE_SEARCH_EVENT_TYPES: ReadonlySet<string> = new Set(['CandidateRegistered', 'CandidateEnrolled', 'CandidatePersonalDataErased']);

/** Table column of each searchable field's index value. */
export const SEARCH_COLUMNS: Readonly<Record<SearchableIdentityField, string>> = {
  familyName: 'family_name',
  givenName: 'given_name',
  birthDate: 'birth_date',
  email: 'email',
};

export interface CandidateSearchKeys {
  /** Keys the index values (BLIND_INDEX_KEY_FILE). */
  blindIndex: BlindIndexKey;
  /** Open the sealed identities through the batch's own connection. */
  keks: KeyEncryptionKeys;
}

/**
 * The identity search index: one row per candidate whose identity can be
 * read, with the HMAC of each searchable field (never the value), the sealed
 * identity as the log holds it (read routes open it for the reader), and the
 * sessions the candidate is enrolled in. Registration opens the identity
 * with the candidate's data key; an erased candidate's row is deleted, and a
 * rebuild after the erasure finds the key gone and never writes it again.
 *
 * The index depends on the key: after changing BLIND_INDEX_KEY_FILE, rebuild
 * it (`cli projections rebuild candidate-search`); rows name the key they
 * were computed with, and the query reads only those of the current key.
 */
export function candidateSearchProjection(keys: CandidateSearchKeys): Projection {
  return {
    name: CANDIDATE_SEARCH,
    codeVersion: 1,
    tables: {
      candidate_search: (t) => `CREATE TABLE ${t} (
        candidate_id text PRIMARY KEY,
        key_id text NOT NULL,
        family_name text,
        given_name text,
        birth_date text,
        email text,
        identity jsonb NOT NULL,
        sessions jsonb NOT NULL,
        last_position bigint NOT NULL);
        CREATE INDEX ${t}_family_name ON ${t} (family_name);
        CREATE INDEX ${t}_given_name ON ${t} (given_name);
        CREATE INDEX ${t}_birth_date ON ${t} (birth_date);
        CREATE INDEX ${t}_email ON ${t} (email)`,
    },
    handles: (type) => CANDIDATE_SEARCH_EVENT_TYPES.has(type),
    async apply(events, { client, table }) {
      const t = table('candidate_search');
      for (const e of events) {
        if (!CANDIDATE_SEARCH_EVENT_TYPES.has(e.type)) continue;
        try {
          await applyOne(client, t, keys, e);
        } catch (error) {
          throw new EventApplyError(e, error);
        }
      }
    },
  };
}

async function applyOne(client: PoolClient, t: string, keys: CandidateSearchKeys, e: StoredEvent): Promise<void> {
  const candidateId = String(e.data?.candidateId);
  switch (e.type) {
    case 'CandidateRegistered': {
      const sealed = e.data?.identity;
      // Never created (an identity sealed under a key this database does not hold) or already erased: nothing to index.
      const identity = isSealed(sealed) ? await openSealedWith<Record<string, unknown>>(client, keys.keks, sealed as Sealed) : null;
      if (!identity) return;
      const index = blindIndexesOf(keys.blindIndex, identity);
      await client.query(
        `INSERT INTO ${t} (candidate_id, key_id, family_name, given_name, birth_date, email, identity, sessions, last_position)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, '[]'::jsonb, $8)
         ON CONFLICT (candidate_id) DO NOTHING`,
        [candidateId, keys.blindIndex.id, index.familyName, index.givenName, index.birthDate, index.email, JSON.stringify(sealed), e.globalPosition],
      );
      return;
    }
    case 'CandidateEnrolled': {
      const sessionId = String(e.data?.sessionId);
      // Sorted and unique, whatever the order or repetition of enrolments: a replay changes nothing.
      await client.query(
        `UPDATE ${t} SET sessions = (SELECT coalesce(jsonb_agg(DISTINCT s ORDER BY s), '[]'::jsonb) FROM jsonb_array_elements_text(sessions || to_jsonb($2::text)) AS s),
                last_position = $3
          WHERE candidate_id = $1 AND last_position < $3`,
        [candidateId, sessionId, e.globalPosition],
      );
      return;
    }
    case 'CandidatePersonalDataErased':
      await client.query(`DELETE FROM ${t} WHERE candidate_id = $1`, [candidateId]);
      return;
  }
}
