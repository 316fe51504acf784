/**
 * What sorting a sheet by name needs of each candidate, kept in this
 * process's memory only (never in the database): the family and given names
 * clipped to their sort length, with the GCM tag of the identity they were
 * opened from. An entry serves only while the read model still holds that
 * very ciphertext and does not mark the candidate erased; pages show
 * identities opened afresh, so an entry can at worst place a candidate whose
 * key was destroyed a moment ago, never show its name. Bounded: the oldest
 * entries go first.
 */
export class SortKeyCache<V> {
  private readonly entries = new Map<string, { tag: string; value: V }>();

  constructor(private readonly capacity = 200_000) {}

  get(candidateId: string, tag: string): V | undefined {
    const entry = this.entries.get(candidateId);
    return entry && entry.tag === tag ? entry.value : undefined;
  }

  set(candidateId: string, tag: string, value: V): void {
    this.entries.delete(candidateId);
    this.entries.set(candidateId, { tag, value });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}
