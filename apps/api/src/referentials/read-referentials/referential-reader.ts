import { Inject, Injectable } from '@nestjs/common';
import { fold } from '@app/domain/shared/decider';
import { notFound } from '@app/domain/shared/errors';
import { ReferentialDocument } from '@app/domain/referential/referential';
import { ReferentialState, referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { EventStore } from '@app/event-store/event-store';
import { asRecorded } from '@app/platform/commands/command-runner';
import { EVENT_STORE } from '@app/platform/persistence.module';

export type ReferentialView = ReferentialDocument & {
  id: string;
  status: 'draft' | 'published' | 'retired';
  /** Version number within the certification code (1, 2, …). */
  version: number;
  /** The stream's version: what If-Match compares with. */
  streamVersion: number;
  publishedAt: string | null;
};

export interface ReferentialSummary {
  id: string;
  code: string;
  title: string;
  version: number;
  status: 'draft' | 'published' | 'retired';
}

/**
 * Reads referentials straight from their streams: always current (no
 * projection lag), which the CLI and a session being opened rely on.
 */
@Injectable()
export class ReferentialReader {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async get(id: string): Promise<ReferentialView> {
    const found = await this.load(id);
    if (!found) throw notFound('referential', id);
    return found;
  }

  /**
   * Every referential, folded from its stream. A certifier has a handful of
   * referential versions (a few per certification, a few certifications), so
   * folding each stream on demand is cheaper than a read model to maintain;
   * a projection is the way to go should that ever grow to hundreds.
   */
  async list(): Promise<ReferentialSummary[]> {
    const ids = await this.store.streamIdsOf('referential');
    const views = await Promise.all(ids.map((id) => this.load(id)));
    return views
      .filter((v): v is ReferentialView => v !== undefined)
      .sort((a, b) => a.code.localeCompare(b.code) || a.version - b.version)
      .map(({ id, code, title, version, status }) => ({ id, code, title, version, status }));
  }

  private async load(id: string): Promise<ReferentialView | undefined> {
    const events = await this.store.readStream(referentialStream(id), { upcast: true });
    if (events.length === 0) return undefined;
    const state: ReferentialState = fold(referentialSpec, events.map(asRecorded));
    if (state.status === 'none' || !state.document) return undefined;
    return {
      ...state.document,
      id,
      status: state.status,
      version: state.version,
      streamVersion: events[events.length - 1].version,
      publishedAt: state.publishedAt,
    };
  }
}
