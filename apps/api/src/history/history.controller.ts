import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Database } from '@app/event-store/database';
import { CurrentPrincipal, Roles } from '@app/platform/auth/roles';
import { Principal } from '@app/platform/auth/token-verifier';
import { Role } from '@app/domain/shared/decider';
import { candidateStream } from '@app/domain/candidate/candidate';
import { FREE_TEXT_FIELDS, WhoSeesWhat } from '@app/platform/personal-data/who-sees-what';
import { DATABASE } from '@app/platform/persistence.module';
import { isSealed, Sealed } from '@app/platform/personal-data/vault';
import { CandidateIdPipe } from '../progress/candidate-id.pipe';

export const PERSONAL_DATA = '[personal data]';

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
    @Inject(DATABASE) private readonly db: Database,
    private readonly who: WhoSeesWhat,
  ) {}

  @Get(':id/history')
  @Roles('admin', 'jury', 'regulator')
  @ApiOperation({ summary: "Every event of the candidate's file and every jury event about them, in log order", description: 'With actor and time; identity and free texts as the reader may see them (docs/security.md, "Who sees what").' })
  @ApiResponse({ status: 200, description: '[{ position, type, recordedAt, actor: { id, role }, data }]' })
  @ApiResponse({ status: 403, description: "the candidate is outside the reader's work (jury members: the candidates of their juries' sessions)" })
  @ApiResponse({ status: 404, description: 'unknown candidate' })
  async history(@Param('id', new CandidateIdPipe()) id: string, @CurrentPrincipal() principal: Principal & { grantedRoles: Role[] }): Promise<HistoryEntry[]> {
    const { view, candidate } = await this.who.viewOfCandidate({ id: principal.id, roles: principal.grantedRoles }, id);
    const { rows } = await this.db.pool.query(
      // Two indexed reads (the file by its key, the jury events by events_jury_by_candidate):
      // one WHERE with an OR would scan the whole log.
      `SELECT global_position, type, recorded_at, metadata->'actor' AS actor, data FROM events WHERE stream_id = $1
       UNION ALL
       SELECT global_position, type, recorded_at, metadata->'actor' AS actor, data FROM events
        WHERE stream_id LIKE 'jury-%' AND data->>'candidateId' = $2
       ORDER BY global_position`,
      [candidateStream(id), id],
    );
    const fields = (type: string, data: any): Array<[string, unknown]> =>
      Object.keys(FREE_TEXT_FIELDS[type] ?? {}).flatMap((field) =>
        field === 'accommodations.details' ? (Array.isArray(data?.accommodations) ? data.accommodations.map((a: any) => [field, a?.details] as [string, unknown]) : []) : [[field, data?.[field]] as [string, unknown]],
      );
    const texts = await this.who.texts(view, candidate.erased).load(rows.flatMap((r) => fields(r.type, r.data).map(([, v]) => v)));
    const identity = await this.who.identity(id, candidate.identity as Sealed | null, view);
    return rows.map((r) => {
      const kinds = FREE_TEXT_FIELDS[r.type] ?? {};
      const data = { ...(r.data ?? {}) };
      for (const [field, kind] of Object.entries(kinds)) {
        if (field === 'accommodations.details') {
          if (Array.isArray(data.accommodations)) data.accommodations = data.accommodations.map((a: any) => (a?.details === undefined ? a : { ...a, details: texts.show(a.details, kind) }));
        } else if (data[field] !== undefined) {
          data[field] = texts.show(data[field], kind);
        }
      }
      if (r.type === 'CandidateRegistered' && isSealed(data.identity)) data.identity = identity;
      return {
        position: Number(r.global_position),
        type: r.type,
        recordedAt: new Date(r.recorded_at).toISOString(),
        actor: { id: String(r.actor?.id ?? ''), role: String(r.actor?.role ?? '') },
        data: redact(data),
      };
    });
  }
}

/** Sealed values (ciphertext of personal data) are replaced by a marker, wherever they sit in the data. */
export function redact(value: unknown): unknown {
  if (isSealed(value)) return PERSONAL_DATA;
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
  return value;
}
