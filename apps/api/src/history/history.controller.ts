import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { notFound } from '@app/domain/shared/errors';
import { Database } from '@app/event-store/database';
import { Roles } from '@app/platform/auth/roles';
import { DATABASE } from '@app/platform/persistence.module';
import { isSealed } from '@app/platform/personal-data/vault';
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
 * who, when and where in the log. Personal data is never decrypted here.
 */
@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class HistoryController {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  @Get(':id/history')
  @Roles('admin', 'jury', 'regulator')
  @ApiOperation({ summary: "Every event of the candidate's file and every jury event about them, in log order", description: "With actor and time; personal data shown as \"[personal data]\"." })
  @ApiResponse({ status: 200, description: '[{ position, type, recordedAt, actor: { id, role }, data }]' })
  @ApiResponse({ status: 404, description: 'unknown candidate' })
  async history(@Param('id', new CandidateIdPipe()) id: string): Promise<HistoryEntry[]> {
    const { rows } = await this.db.pool.query(
      // Two indexed reads (the file by its key, the jury events by events_jury_by_candidate):
      // one WHERE with an OR would scan the whole log.
      `SELECT global_position, type, recorded_at, metadata->'actor' AS actor, data FROM events WHERE stream_id = $1
       UNION ALL
       SELECT global_position, type, recorded_at, metadata->'actor' AS actor, data FROM events
        WHERE stream_id LIKE 'jury-%' AND data->>'candidateId' = $2
       ORDER BY global_position`,
      [`candidate-${id}`, id],
    );
    if (!rows.length) throw notFound('candidate', id);
    return rows.map((r) => ({
      position: Number(r.global_position),
      type: r.type,
      recordedAt: new Date(r.recorded_at).toISOString(),
      actor: { id: String(r.actor?.id ?? ''), role: String(r.actor?.role ?? '') },
      data: redact(r.data),
    }));
  }
}

/** Sealed values (ciphertext of personal data) are replaced by a marker, wherever they sit in the data. */
export function redact(value: unknown): unknown {
  if (isSealed(value)) return PERSONAL_DATA;
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
  return value;
}
