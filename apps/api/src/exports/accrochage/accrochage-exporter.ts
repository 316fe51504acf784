import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { AccessRoute } from '@app/domain/candidate/candidate';
import { buildAccrochageXml, daysUntilDeadline, declarationDeadline, Passage, titulaireFrom } from '@app/domain/exports/accrochage';
import { rule } from '@app/domain/shared/errors';
import { EventStore } from '@app/event-store/event-store';
import { Migration } from '@app/event-store/migrations';
import { OperationsConfig } from '@app/platform/operations.config';
import type { Sealed } from '@app/platform/personal-data/vault';

export const ACCROCHAGE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'accrochage exports',
    // One row per award and flux: what was declared, when, in which file (a resend adds a row).
    up: `CREATE TABLE accrochage_exports (
      award_event_id uuid NOT NULL,
      flux_id uuid NOT NULL,
      exported_at timestamptz NOT NULL,
      candidate_id text NOT NULL,
      certification_code text NOT NULL,
      PRIMARY KEY (award_event_id, flux_id)
    )`,
  },
];

export interface AwardLine {
  awardEventId: string;
  candidateId: string;
  certificationCode: string;
  awardedOn: string;
  deadline: string;
  daysLeft: number;
}

export interface AccrochageReport {
  fluxId: string | null;
  period: { from: string; to: string };
  declared: AwardLine[];
  /** Awards that cannot be declared: identity erased, or a field the CDC requires is not known. */
  notExportable: Array<AwardLine & { reason: string; missing: string[] }>;
  /** Awards of the period left out because an earlier flux declared them (see includeExported). */
  alreadyExported: number;
  /** Undeclared awards (declared now or not exportable) whose three-month deadline is within the warning window or past. */
  nearDeadline: AwardLine[];
}

export interface AccrochageOptions {
  from?: string;
  to?: string;
  includeExported?: boolean;
  /** true: build and report, but do not record the awards as exported. */
  preview?: boolean;
}

type Open = (sealed: Sealed) => Promise<unknown | null>;

/**
 * Gathers the awards of a period from the log (CertificationAwarded events),
 * decrypts each holder's identity for this legal purpose, builds the flux,
 * and records what it declared so the next export sends only new awards.
 */
export class AccrochageExporter {
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly open: Open,
    private readonly cdc: OperationsConfig['cdc'],
    private readonly now: () => Date = () => new Date(),
  ) {}

  async export(options: AccrochageOptions = {}): Promise<{ xml: string | null; report: AccrochageReport }> {
    const { emitterId, certifierId, contractId } = this.cdc;
    if (!emitterId || !certifierId || !contractId) {
      throw rule('CDC_NOT_CONFIGURED', 'the accrochage export needs CDC_EMITTER_ID, CDC_CERTIFIER_ID (defaults to the emitter) and CDC_CONTRACT_ID');
    }
    const today = this.now().toISOString().slice(0, 10);
    const from = options.from ?? '0001-01-01';
    const to = options.to ?? today;
    const { rows } = await this.pool.query(
      `SELECT e.event_id, e.stream_id, e.data,
              EXISTS (SELECT 1 FROM accrochage_exports x WHERE x.award_event_id = e.event_id) AS exported
         FROM events e
        WHERE e.type = 'CertificationAwarded' AND e.data->>'awardedOn' BETWEEN $1 AND $2
        ORDER BY e.global_position`,
      [from, to],
    );
    const fluxId = randomUUID();
    const report: AccrochageReport = { fluxId: null, period: { from, to }, declared: [], notExportable: [], alreadyExported: 0, nearDeadline: [] };
    const passages: Passage[] = [];
    for (const row of rows) {
      const award = row.data as { candidateId: string; certificationCode: string; awardedOn: string };
      const line: AwardLine = {
        awardEventId: row.event_id,
        candidateId: award.candidateId,
        certificationCode: award.certificationCode,
        awardedOn: award.awardedOn,
        deadline: declarationDeadline(award.awardedOn),
        daysLeft: daysUntilDeadline(award.awardedOn, today),
      };
      if (row.exported && !options.includeExported) {
        report.alreadyExported++;
        continue;
      }
      const candidate = await this.candidate(row.stream_id);
      const identity = candidate.erased || !candidate.identity ? null : ((await this.open(candidate.identity)) as Record<string, unknown> | null);
      const { titulaire, missing } = titulaireFrom(identity);
      if (!row.exported && line.daysLeft <= this.cdc.deadlineWarningDays) report.nearDeadline.push(line);
      if (!titulaire || !candidate.accessRoute) {
        const reason = identity ? 'identity lacks fields the CDC requires' : 'personal data erased: identity unreadable';
        report.notExportable.push({ ...line, reason, missing: candidate.accessRoute ? missing : [...missing, 'modaliteAcces'] });
        continue;
      }
      passages.push({ idTechnique: row.event_id, certificationCode: award.certificationCode, awardedOn: award.awardedOn, validUntil: null, accessRoute: candidate.accessRoute, titulaire });
      report.declared.push(line);
    }
    if (passages.length === 0) return { xml: null, report };
    const horodatage = this.now().toISOString();
    const xml = buildAccrochageXml({ idFlux: fluxId, horodatage, emetteurId: emitterId, certificateurId: certifierId, contratId: contractId, passages });
    report.fluxId = fluxId;
    if (!options.preview) {
      await this.pool.query(
        `INSERT INTO accrochage_exports (award_event_id, flux_id, exported_at, candidate_id, certification_code)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING`,
        [report.declared.map((d) => d.awardEventId), report.declared.map(() => fluxId), report.declared.map(() => horodatage), report.declared.map((d) => d.candidateId), report.declared.map((d) => d.certificationCode)],
      );
    }
    return { xml, report };
  }

  private async candidate(streamId: string): Promise<{ identity: Sealed | null; accessRoute: AccessRoute | null; erased: boolean }> {
    let identity: Sealed | null = null;
    let accessRoute: AccessRoute | null = null;
    let erased = false;
    for (const e of await this.store.readStream(streamId)) {
      if (e.type === 'CandidateRegistered') {
        identity = e.data.identity as Sealed;
        accessRoute = e.data.accessRoute as AccessRoute;
      } else if (e.type === 'CandidatePersonalDataErased') erased = true;
    }
    return { identity, accessRoute, erased };
  }
}

/** One line for a Warning header or a log: how many awards need attention, and why. */
export function warningText(report: AccrochageReport, warningDays: number): string | null {
  const parts: string[] = [];
  const late = report.nearDeadline.filter((a) => a.daysLeft < 0).length;
  const soon = report.nearDeadline.length - late;
  if (soon) parts.push(`${soon} award(s) reach the three-month declaration deadline within ${warningDays} days`);
  if (late) parts.push(`${late} award(s) are past the three-month declaration deadline`);
  if (report.notExportable.length) parts.push(`${report.notExportable.length} award(s) cannot be exported (erased identity or missing CDC fields)`);
  return parts.length ? parts.join('; ') : null;
}
