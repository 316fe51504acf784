import { RecordedEvent, StateSpec } from '../shared/decider';
import { streamName } from '../shared/streams';
import { ReferentialDocument } from './referential';
import { upcastEvent } from '../shared/upcasters';

export type ReferentialEvent =
  | RecordedEvent<'ReferentialDrafted', { referentialId: string; version: number; document: ReferentialDocument }>
  | RecordedEvent<'ReferentialPublished', { referentialId: string; code: string; version: number }>
  | RecordedEvent<'ReferentialRetired', { referentialId: string; reason: string }>;

export type ReferentialStatus = 'none' | 'draft' | 'published' | 'retired';

export interface ReferentialState {
  referentialId: string | null;
  status: ReferentialStatus;
  /** Version number within the certification code (1, 2, …). */
  version: number;
  document: ReferentialDocument | null;
  publishedAt: string | null;
}

/** The referential stream's upcast, applied by its fold to every event (shared/upcasters.ts). */
export const upcastReferentialEvent = (event: RecordedEvent): ReferentialEvent => upcastEvent(event) as ReferentialEvent;

/** THE fold of a referential stream: other aggregates load it with this spec to read the pinned document. */
export const referentialSpec: StateSpec<ReferentialState, RecordedEvent> = {
  initialState: () => ({ referentialId: null, status: 'none', version: 0, document: null, publishedAt: null }),
  evolve(state, raw) {
    const event = upcastReferentialEvent(raw);
    switch (event.type) {
      case 'ReferentialDrafted':
        return { ...state, referentialId: event.data.referentialId, status: 'draft', version: event.data.version, document: event.data.document };
      case 'ReferentialPublished':
        return { ...state, status: 'published', publishedAt: event.recordedAt ?? null };
      case 'ReferentialRetired':
        return { ...state, status: 'retired' };
      default:
        return state; // events of a later schema this code does not know yet leave the state as is
    }
  },
};

export const referentialStream = (id: string) => streamName('referential', id);

