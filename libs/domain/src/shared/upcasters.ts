/**
 * Stored events keep the schema version they were written with. When an
 * event's shape changes, its schema version goes up and an upcaster from the
 * previous version is added here; readers always see the current shape and
 * the log is never rewritten.
 *
 * Example (when it is needed):
 *   register('CriterionScored', 1, (data) => ({ ...data, comment: data.comment ?? null }));
 */
type Upcaster = (data: any) => any;
const upcasters = new Map<string, Map<number, Upcaster>>();

export function register(type: string, fromVersion: number, upcaster: Upcaster): void {
  const byVersion = upcasters.get(type) ?? new Map<number, Upcaster>();
  byVersion.set(fromVersion, upcaster);
  upcasters.set(type, byVersion);
}

export function currentSchemaVersion(type: string): number {
  const byVersion = upcasters.get(type);
  return byVersion ? Math.max(...byVersion.keys()) + 1 : 1;
}

export function upcast(type: string, schemaVersion: number, data: unknown): unknown {
  const byVersion = upcasters.get(type);
  if (!byVersion) return data;
  let version = schemaVersion;
  let current = data;
  while (byVersion.has(version)) {
    current = byVersion.get(version)!(current);
    version++;
  }
  return current;
}

/**
 * An event brought to the current schema version of its type. Idempotent: the
 * result carries the version it is now at, and an event without a version is
 * taken as current. Each stream's fold applies it through its own typed
 * upcast (e.g. `upcastCandidateEvent`), so every reader sees the same shapes.
 */
export function upcastEvent<E extends { type: string; data: unknown; schemaVersion?: number }>(event: E): E {
  if (event.schemaVersion === undefined) return event;
  const version = currentSchemaVersion(event.type);
  if (event.schemaVersion >= version) return event;
  return { ...event, data: upcast(event.type, event.schemaVersion, event.data), schemaVersion: version };
}

/**
 * Schema version 2: free texts about a candidate are sealed under their key
 * (docs/events.md). Version 1 events keep their text as a plain string: the
 * log is never rewritten (the ledger's hashes cover it), and a plain string
 * cannot be sealed without the candidate's key, which the domain never
 * holds. The events' types accept both shapes (`StoredText`), so these
 * upcasters change nothing but the version; readers show a version 1 text
 * like a sealed one ("[withheld]" per docs/security.md, "[erased]" once the
 * candidate's personal data is erased).
 */
for (const type of ['AccommodationGranted', 'AccommodationRefused', 'AccommodationApplied', 'CriterionScored', 'CriterionScoreCorrected', 'BlockDecided', 'MemberRecused', 'AppealLodged']) {
  register(type, 1, (data) => data);
}
