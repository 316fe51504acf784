import { RecordedEvent, StateSpec } from '@app/domain/shared/decider';
import { invalid } from '@app/domain/shared/errors';

/** A point of the log to read as it stood then: a time and/or a global position (time travel). */
export interface Cut {
  asOf?: string;
  atPosition?: number;
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `?asOf=&atPosition=` as a cut (empty when neither is given); 400 when either is not what it says. */
export function parseCut(asOf: unknown, atPosition: unknown): Cut {
  const cut: Cut = {};
  if (asOf !== undefined) {
    if (typeof asOf !== 'string' || !ISO_TIMESTAMP.test(asOf) || Number.isNaN(Date.parse(asOf))) throw invalid('asOf must be an ISO 8601 timestamp, e.g. 2026-06-30T12:00:00Z');
    cut.asOf = new Date(asOf).toISOString();
  }
  if (atPosition !== undefined) cut.atPosition = nonNegativeInteger(atPosition, 'atPosition');
  return cut;
}

/** True when the cut names a point (a live read otherwise). */
export function isCut(cut: Cut): boolean {
  return cut.asOf !== undefined || cut.atPosition !== undefined;
}

/** A log position given in a query or a header. */
export function nonNegativeInteger(raw: unknown, name: string): number {
  const value = typeof raw === 'string' && /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(value)) throw invalid(`${name} must be a non-negative integer`);
  return value;
}

export function within(e: RecordedEvent, cut: Cut): boolean {
  if (cut.atPosition !== undefined && (e.globalPosition ?? 0) > cut.atPosition) return false;
  if (cut.asOf !== undefined && e.recordedAt !== undefined && Date.parse(e.recordedAt) > Date.parse(cut.asOf)) return false;
  return true;
}

/** Folds a stream's events up to the cut. */
export function foldCut<S>(spec: StateSpec<S, RecordedEvent>, events: RecordedEvent[], cut: Cut): S {
  let state = spec.initialState();
  for (const e of events) if (within(e, cut)) state = spec.evolve(state, e);
  return state;
}
