import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, Matches, Max, Min } from 'class-validator';
import { invalid } from '@app/domain/shared/errors';
import { EventFilter, EventStore, StoredEvent } from '@app/event-store/event-store';
import { Roles } from '@app/platform/auth/roles';
import { candidateStream } from '@app/domain/candidate/candidate';
import { FREE_TEXT_FIELDS, Reader, WhoSeesWhat } from '@app/platform/personal-data/who-sees-what';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { isSealed, Sealed } from '@app/platform/personal-data/vault';
import { IdParam } from '../http/id-param';
import { CurrentReader } from '../http/reader';

export const PERSONAL_DATA = '[personal data]';

/** The most entries one page of history answers. */
export const HISTORY_LIMIT_MAX = 1000;

const EVENT_TYPE = '[A-Za-z][A-Za-z0-9.]{0,99}';
/** An ISO 8601 timestamp with its offset: a bare date or local time would depend on the server's time zone. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `?type=&from=&to=&after=&limit=`: every filter optional; without any, the whole history as before. */
export class HistoryQuery {
  @ApiPropertyOptional({ description: 'only these event types, comma-separated (at most 50), e.g. `CriterionScored,BlockDecided`' })
  @IsOptional()
  @Matches(new RegExp(`^${EVENT_TYPE}(,${EVENT_TYPE}){0,49}$`), { message: 'type must be event type names separated by commas (at most 50)' })
  type?: string;

  @ApiPropertyOptional({ description: 'only events recorded at or after this ISO 8601 timestamp (with its offset, e.g. `2026-03-01T00:00:00Z`)' })
  @IsOptional()
  @Matches(TIMESTAMP, { message: 'from must be an ISO 8601 timestamp with its offset' })
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 timestamp with its offset' })
  from?: string;

  @ApiPropertyOptional({ description: 'only events recorded at or before this ISO 8601 timestamp (with its offset)' })
  @IsOptional()
  @Matches(TIMESTAMP, { message: 'to must be an ISO 8601 timestamp with its offset' })
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 timestamp with its offset' })
  to?: string;

  @ApiPropertyOptional({ description: 'only events after this log position (paging: pass the `position` of the last entry received)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'after must be a log position (an integer, 0 or more)' })
  @Min(0, { message: 'after must be a log position (an integer, 0 or more)' })
  @Max(Number.MAX_SAFE_INTEGER)
  after?: number;

  @ApiPropertyOptional({ description: `at most this many entries, 1 to ${HISTORY_LIMIT_MAX} (default: all)`, maximum: HISTORY_LIMIT_MAX })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `limit must be 1 to ${HISTORY_LIMIT_MAX}` })
  @Min(1, { message: `limit must be 1 to ${HISTORY_LIMIT_MAX}` })
  @Max(HISTORY_LIMIT_MAX, { message: `limit must be 1 to ${HISTORY_LIMIT_MAX}` })
  limit?: number;
}

export interface HistoryEntry {
  position: number;
  type: string;
  recordedAt: string;
  actor: { id: string; role: string };
  data: unknown;
}

/**
 * The candidate's decision history, read from the log itself (no read model
 * to lag): every event of their stream and every jury event about them, with
 * who, when and where in the log. Personal data is shown as WhoSeesWhat
 * decides for the reader: the identity in clear or a pseudonym, free texts in
 * clear or "[withheld]", "[erased]" after erasure; any other sealed value
 * reads "[personal data]".
 */
@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class HistoryController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly who: WhoSeesWhat,
  ) {}

  @Get(':id/history')
  @Roles('admin', 'jury', 'regulator')
  @ApiOperation({
    summary: "Every event of the candidate's file and every jury event about them, in log order",
    description:
      'With actor and time; identity and free texts as the reader may see them (docs/security.md, "Who sees what"). ' +
      'Filters: `type` (comma-separated), `from`/`to` (recordedAt, inclusive); paging: `after` (a position) and `limit` — the next page starts after the last position received.',
  })
  @ApiResponse({ status: 200, description: '[{ position, type, recordedAt, actor: { id, role }, data }]' })
  @ApiResponse({ status: 403, description: "the candidate is outside the reader's work (jury members: the candidates of their juries' sessions)" })
  @ApiResponse({ status: 404, description: 'unknown candidate' })
  async history(
    @Param('id', new IdParam('candidate')) id: string,
    @CurrentReader() reader: Reader,
    @Query() query: HistoryQuery,
  ): Promise<HistoryEntry[]> {
    const { view, candidate } = await this.who.viewOfCandidate(reader, id);
    const rows = await this.entries(id, query);
    const fields = (type: string, data: any): Array<[string, unknown]> =>
      Object.keys(FREE_TEXT_FIELDS[type] ?? {}).flatMap((field) =>
        field === 'accommodations.details' ? (Array.isArray(data?.accommodations) ? data.accommodations.map((a: any) => [field, a?.details] as [string, unknown]) : []) : [[field, data?.[field]] as [string, unknown]],
      );
    const texts = await this.who.texts(view, candidate.erased).load(rows.flatMap((e) => fields(e.type, e.data).map(([, v]) => v)));
    const identity = await this.who.identity(id, candidate.identity as Sealed | null, view);
    return rows.map((e) => {
      const kinds = FREE_TEXT_FIELDS[e.type] ?? {};
      const data = { ...(e.data ?? {}) };
      for (const [field, kind] of Object.entries(kinds)) {
        if (field === 'accommodations.details') {
          if (Array.isArray(data.accommodations)) data.accommodations = data.accommodations.map((a: any) => (a?.details === undefined ? a : { ...a, details: texts.show(a.details, kind) }));
        } else if (data[field] !== undefined) {
          data[field] = texts.show(data[field], kind);
        }
      }
      if (e.type === 'CandidateRegistered' && isSealed(data.identity)) data.identity = identity;
      const actor = e.metadata?.actor as { id?: unknown; role?: unknown } | undefined;
      return {
        position: e.globalPosition,
        type: e.type,
        recordedAt: e.recordedAt,
        actor: { id: String(actor?.id ?? ''), role: String(actor?.role ?? '') },
        data: redact(data),
      };
    });
  }

  /**
   * The candidate's stream and the jury events about them, filtered and
   * merged in position order. Two indexed reads (the file by its key, the
   * jury events by events_jury_by_candidate): one read with an OR across them
   * would scan the whole log. The jury read stops at `limit` (a candidate's
   * own stream is short), so the first `limit` of the merge are the page.
   */
  private async entries(candidateId: string, query: HistoryQuery): Promise<StoredEvent[]> {
    if (query.from !== undefined && query.to !== undefined && Date.parse(query.from) > Date.parse(query.to)) throw invalid('from must not be after to');
    const filter: EventFilter = {
      types: query.type?.split(','),
      recordedFrom: query.from,
      cut: query.to === undefined ? undefined : { recordedAt: query.to },
      afterPosition: query.after,
      upcast: true,
    };
    const [[file], jury] = await Promise.all([
      this.store.readStreams([{ streamId: candidateStream(candidateId) }], filter),
      this.store.readJuryEventsAbout(candidateId, { ...filter, limit: query.limit }),
    ]);
    const merged = [...file, ...jury].sort((a, b) => a.globalPosition - b.globalPosition);
    return query.limit === undefined ? merged : merged.slice(0, query.limit);
  }
}

/** Sealed values (ciphertext of personal data) are replaced by a marker, wherever they sit in the data. */
export function redact(value: unknown): unknown {
  if (isSealed(value)) return PERSONAL_DATA;
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
  return value;
}
