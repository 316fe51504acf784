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
