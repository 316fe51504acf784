import { createHash, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { AccessRoute, candidateSpec, candidateStream } from '@app/domain/candidate/candidate';
import {
  buildAccrochageXml,
  cdcIdentifierProblems,
  daysUntilDeadline,
  declarationDeadline,
  Flux,
  FluxAction,
  IdentityForCdc,
  modalitesFrom,
  parisTimestamp,
  Passage,
  schemaProvidesActions,
  titulaireFrom,
} from '@app/domain/exports/accrochage';
import {
  ACCROCHAGE_INPUT_TYPES,
  accrochageFluxStream,
  accrochageManualStream,
  accrochageReportStream,
  AccrochageState,
  AwardDeclaration,
  awardsToDeclare,
  foldAccrochage,
  isFinal,
  InputEvent,
  statusLines,
  StatusLine,
  undeclaredAwards,
  withdrawalsToDeclare,
} from '@app/domain/exports/accrochage-status';
import { Actor, fold } from '@app/domain/shared/decider';
import { DomainError, invalid, notFound, rule } from '@app/domain/shared/errors';
import { EventMetadata, EventStore } from '@app/event-store/event-store';
import { Migration } from '@app/event-store/migrations';
import { OperationsConfig } from '@app/platform/operations.config';
import { asRecorded } from '@app/platform/commands/stream-states';
import { ERASED, type Sealed } from '@app/platform/personal-data/vault';
import { parseProcessingReport } from './processing-report';
import { describeFaults, XsdValidator } from './xsd-validator';

export const ACCROCHAGE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'accrochage exports',
    // Before declarations became events (AccrochageFluxSent), what was sent was kept here; still read as "declared".
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
  /** CREATION declares awards; SUPPRESSION withdraws earlier declarations (one flux per call: creations first). */
  action: FluxAction | null;
  period: { from: string; to: string };
  declared: AwardLine[];
  /** Of `declared`: awards the CDC rejected before, sent again (with the reason it gave). */
  resent: Array<AwardLine & { previousReason: string | null }>;
  /** Withdrawn awards declared as deletions in this flux (schema versions that provide it). */
  withdrawals: AwardLine[];
  /** Withdrawn awards the CDC holds, to withdraw by hand on the CDC portal (the schema version has no deletion), or left for the next flux. */
  manualWithdrawals: AwardLine[];
  pendingWithdrawals: number;
  /** Awards that cannot be declared: identity erased, or a field the CDC requires is not known; each names what is missing. */
  notExportable: Array<AwardLine & { reason: string; missing: string[] }>;
  /** Awards of the period declared earlier and not rejected (accepted ones are never sent again). */
  alreadyExported: number;
  /** Awards of deliberations still open: declared once the record is sealed. */
  notSealed: number;
  /** Awards of sealed records the jury's president has not approved yet (RECORD_APPROVAL_REQUIRED): declared once approved. */
  awaitingApproval: number;
  /** Undeclared awards (declared now or not exportable) whose three-month deadline is within the warning window or past. */
  nearDeadline: AwardLine[];
}

export interface AccrochageOptions {
  from?: string;
  to?: string;
  /** Send again awards declared earlier that the CDC has not answered yet (never accepted ones). */
  includeExported?: boolean;
  /** true: build and report, but record nothing as sent. */
  preview?: boolean;
}

export interface ReportImport {
  reportId: string;
  fluxId: string | null;
  alreadyImported: boolean;
  accepted: string[];
  rejected: Array<{ awardEventId: string; reason: string | null }>;
  /** idTechnique values this certifier never sent (another system's, or a typo): not recorded as statuses. */
  unmatched: string[];
  /** idTechnique values whose outcome the report does not state readably. */
  unreadable: string[];
  position: number | null;
}

type Open = (sealed: Sealed) => Promise<unknown | null>;
/** Seals a value under the candidate's key (PersonalDataVault.seal); throws once the key was erased. */
type Seal = (candidateId: string, value: unknown) => Promise<Sealed>;

export interface AccrochageSettings extends Pick<OperationsConfig['cdc'], 'emitterId' | 'certifierId' | 'contractId' | 'deadlineWarningDays'> {
  /** RECORD_APPROVAL_REQUIRED (default true): an award is declared once the president approved its sealed record. */
  approvalRequired?: boolean;
  /** The certifier's XSD (CDC_XSD_FILE, --xsd): every flux validates against it before anything is recorded as sent. */
  validator?: XsdValidator | null;
}

export const CLI_ACTOR: Actor = { id: 'cli', role: 'admin' };

/**
 * Declares awards to the CDC and reads its answers back. Folds the log
 * (awards, closings, withdrawals, fluxes sent, reports imported) into the
 * state of each declaration, decrypts each holder's identity for this legal
 * purpose only, builds the flux, validates it against the certifier's XSD
 * when one is configured, and records it as sent (AccrochageFluxSent).
 */
export class AccrochageExporter {
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly open: Open,
    private readonly cdc: AccrochageSettings,
    private readonly now: () => Date = () => new Date(),
    private readonly seal: Seal | null = null,
  ) {}

  /** The declarations as the log tells them (plus the rows of the pre-event table, read as declared). */
  async state(): Promise<AccrochageState> {
    const stored = await this.store.readByType(ACCROCHAGE_INPUT_TYPES, { upcast: true });
    const events: InputEvent[] = stored.map((e) => ({ type: e.type, eventId: e.eventId, streamId: e.streamId, data: e.data, recordedAt: e.recordedAt }));
    const legacy = await this.pool.query(
      `SELECT flux_id::text, min(exported_at) AS at, json_agg(json_build_object('idTechnique', award_event_id::text, 'candidateId', candidate_id, 'certificationCode', certification_code)) AS passages
         FROM accrochage_exports GROUP BY flux_id ORDER BY min(exported_at)`,
    );
    const state = foldAccrochage(events, { approvalRequired: this.cdc.approvalRequired ?? true });
    // Sent before declarations were events: declared, unless the log has said more about them since.
    for (const r of legacy.rows) {
      if (state.fluxes.has(r.flux_id)) continue;
      state.fluxes.set(r.flux_id, { action: 'CREATION', passages: r.passages.map((p: { idTechnique: string }) => p.idTechnique) });
      for (const p of r.passages as Array<{ idTechnique: string }>) {
        const award = state.awards.get(p.idTechnique);
        if (!award || award.status !== 'pending') continue;
        Object.assign(award, { status: 'declared', lastFluxId: r.flux_id, lastSentAt: new Date(r.at).toISOString(), sends: award.sends + 1 });
        if (award.withdrawn) award.withdrawal = { status: 'pending', reason: null };
      }
    }
    return state;
  }

  async export(options: AccrochageOptions = {}, actor: Actor = CLI_ACTOR): Promise<{ xml: string | null; report: AccrochageReport }> {
    const { emitterId, certifierId, contractId } = this.cdc;
    if (!emitterId || !certifierId || !contractId) {
      throw rule('CDC_NOT_CONFIGURED', 'the accrochage export needs CDC_EMITTER_ID, CDC_CERTIFIER_ID (defaults to the emitter) and CDC_CONTRACT_ID');
    }
    const problems = cdcIdentifierProblems({ emitterId, certifierId, contractId });
    if (problems.length) throw invalid(`CDC identifiers do not fit the flux: ${problems.join('; ')}`, problems.map((problem) => ({ path: problem.split(' ', 1)[0], message: problem })), 'CDC_CONFIGURATION_INVALID');
    const instant = this.now();
    const today = instant.toISOString().slice(0, 10);
    const period = { from: options.from ?? '0001-01-01', to: options.to ?? today };
    const state = await this.state();
    const line = (a: AwardDeclaration): AwardLine => ({
      awardEventId: a.awardEventId,
      candidateId: a.candidateId,
      certificationCode: a.certificationCode,
      awardedOn: a.awardedOn,
      deadline: declarationDeadline(a.awardedOn),
      daysLeft: daysUntilDeadline(a.awardedOn, today),
    });
    const inPeriod = [...state.awards.values()].filter((a) => a.awardedOn >= period.from && a.awardedOn <= period.to);
    const report: AccrochageReport = {
      fluxId: null,
      action: null,
      period,
      declared: [],
      resent: [],
      withdrawals: [],
      manualWithdrawals: [],
      pendingWithdrawals: 0,
      notExportable: [],
      alreadyExported: inPeriod.filter((a) => isFinal(state, a) && !a.withdrawn && (a.status === 'accepted' || (a.status === 'declared' && !options.includeExported))).length,
      notSealed: inPeriod.filter((a) => !a.sealed && !a.withdrawn).length,
      awaitingApproval: inPeriod.filter((a) => a.sealed && !isFinal(state, a) && !a.withdrawn && (a.status === 'pending' || a.status === 'rejected')).length,
      nearDeadline: undeclaredAwards(state, period)
        .map(line)
        .filter((l) => l.daysLeft <= this.cdc.deadlineWarningDays),
    };

    const creations: Array<{ award: AwardDeclaration; passage: Passage }> = [];
    for (const award of awardsToDeclare(state, period, options.includeExported)) {
      const built = await this.passage(award);
      if ('missing' in built) report.notExportable.push({ ...line(award), reason: built.reason, missing: built.missing });
      else creations.push({ award, passage: built });
    }
    const withdrawals = withdrawalsToDeclare(state);
    const deletionsPossible = schemaProvidesActions(this.cdc.validator?.xsd ?? null);
    if (!deletionsPossible) report.manualWithdrawals = withdrawals.map(line);

    let action: FluxAction | null = null;
    let chosen: Array<{ award: AwardDeclaration; passage: Passage }> = [];
    if (creations.length) {
      action = 'CREATION';
      chosen = creations;
    } else if (deletionsPossible && withdrawals.length) {
      action = 'SUPPRESSION';
      for (const award of withdrawals) {
        const built = await this.passage(award);
        // The deletion repeats the passage as declared; with the identity erased it can only be withdrawn on the portal.
        if ('missing' in built) report.manualWithdrawals.push(line(award));
        else chosen.push({ award, passage: built });
      }
      if (!chosen.length) action = null;
    }
    if (deletionsPossible) report.pendingWithdrawals = withdrawals.length - (action === 'SUPPRESSION' ? chosen.length + report.manualWithdrawals.length : 0);
    if (!action) return { xml: null, report };

    const fluxId = randomUUID();
    const flux: Flux = {
      idFlux: fluxId,
      horodatage: parisTimestamp(instant),
      ...(deletionsPossible ? { action } : {}),
      emetteurId: emitterId,
      certificateurId: certifierId,
      contratId: contractId,
      passages: chosen.map((c) => c.passage),
    };
    const xml = buildAccrochageXml(flux);
    if (this.cdc.validator) {
      const faults = await this.cdc.validator.validate(xml);
      if (faults.length) {
        throw new DomainError('rule', 'ACCROCHAGE_SCHEMA_INVALID', `the flux does not validate against ${this.cdc.validator.fileName}; nothing was recorded as sent: ${describeFaults(faults)}`, {
          faults,
        });
      }
    }
    report.fluxId = fluxId;
    report.action = action;
    if (action === 'CREATION') {
      report.declared = chosen.map((c) => line(c.award));
      report.resent = await Promise.all(chosen.filter((c) => c.award.status === 'rejected').map(async (c) => ({ ...line(c.award), previousReason: await this.reasonText(c.award.reason) })));
    } else report.withdrawals = chosen.map((c) => line(c.award));
    if (!options.preview) {
      await this.store.append(
        accrochageFluxStream(fluxId),
        [
          {
            type: 'AccrochageFluxSent',
            data: {
              fluxId,
              action,
              horodatage: flux.horodatage,
              sha256: createHash('sha256').update(xml).digest('hex'),
              passages: chosen.map((c) => ({ idTechnique: c.award.awardEventId, candidateId: c.award.candidateId, certificationCode: c.award.certificationCode })),
            },
            metadata: this.meta(actor, instant),
          },
        ],
        { expectedVersion: 'no-stream' },
      );
    }
    return { xml, report };
  }

  /** Imports the CDC's processing report of a flux as received; importing the same report again records nothing. */
  async importReport(xml: string, actor: Actor = CLI_ACTOR): Promise<ReportImport> {
    if (!xml.trim()) throw invalid('the processing report is empty');
    const parsed = parseProcessingReport(xml);
    const sha256 = createHash('sha256').update(xml).digest('hex');
    const reportId = uuidFrom(sha256);
    const state = await this.state();
    const known = (id: string) => state.awards.has(id) && (state.awards.get(id)!.lastFluxId !== null || state.awards.get(id)!.sends > 0);
    const results = parsed.results.filter((r) => known(r.idTechnique));
    const unmatched = parsed.results.filter((r) => !known(r.idTechnique)).map((r) => r.idTechnique);
    const fluxId = parsed.fluxId && state.fluxes.has(parsed.fluxId) ? parsed.fluxId : null;
    const answer: ReportImport = {
      reportId,
      fluxId,
      alreadyImported: state.reports.has(sha256),
      accepted: results.filter((r) => r.status === 'accepted').map((r) => r.idTechnique),
      rejected: results.filter((r) => r.status === 'rejected').map((r) => ({ awardEventId: r.idTechnique, reason: r.reason as string | null })),
      unmatched,
      unreadable: parsed.unreadable,
      position: null,
    };
    if (answer.alreadyImported) return answer;
    if (!results.length) throw rule('REPORT_MATCHES_NO_DECLARATION', `the processing report names no passage this certifier declared (${unmatched.length} unknown idTechnique)`);
    // The CDC's reasons may name the holder: sealed under the candidate's key like any free text (null once erased).
    const stored = await Promise.all(results.map(async (r) => ({ ...r, reason: r.reason === null ? null : await this.sealReason(state.awards.get(r.idTechnique)!.candidateId, r.reason) })));
    const appended = await this.store.append(
      accrochageReportStream(reportId),
      [{ eventId: reportId, type: 'AccrochageReportImported', data: { reportId, fluxId, sha256, results: stored, unmatched }, metadata: this.meta(actor, this.now()) }],
      { expectedVersion: 'any' },
    );
    return { ...answer, position: appended.lastPosition };
  }

  /**
   * Records that a withdrawn award was withdrawn by hand on the CDC portal
   * (schema versions without deletions), so it stops being listed.
   */
  async withdrawnByHand(awardEventId: string, actor: Actor): Promise<{ id: string; position: number; version: number }> {
    const award = (await this.state()).awards.get(awardEventId);
    if (!award) throw notFound('award', awardEventId);
    if (!award.withdrawal || award.withdrawal.status === 'accepted' || award.withdrawal.status === 'declared') {
      throw rule('NO_WITHDRAWAL_PENDING', `award ${awardEventId} has no withdrawal left to make at the CDC`);
    }
    const result = await this.store.append(
      accrochageManualStream(awardEventId),
      [{ type: 'AccrochageWithdrawnByHand', data: { awardEventId, candidateId: award.candidateId }, metadata: this.meta(actor, this.now()) }],
      { expectedVersion: 'no-stream' },
    );
    return { id: awardEventId, position: result.lastPosition, version: result.streamVersion };
  }

  /** Every award of the period and where it stands; `reasons: false` leaves the CDC's reasons sealed out (regulators). */
  async status(period: { from?: string; to?: string } = {}, reasons = true): Promise<StatusLine[]> {
    const today = this.now().toISOString().slice(0, 10);
    const lines = statusLines(await this.state(), { from: period.from ?? '0001-01-01', to: period.to ?? '9999-12-31' }, today);
    const shown = async (r: StatusLine['reason']) => (r === null ? null : reasons ? this.reasonText(r) : '[hidden]');
    return Promise.all(lines.map(async (l) => ({ ...l, reason: await shown(l.reason), withdrawal: l.withdrawal && { ...l.withdrawal, reason: await shown(l.withdrawal.reason) } })));
  }

  private async sealReason(candidateId: string, reason: StatusLine['reason']): Promise<StatusLine['reason']> {
    if (!this.seal || typeof reason !== 'string') return reason;
    try {
      return (await this.seal(candidateId, reason)) as StatusLine['reason'];
    } catch {
      return null; // the candidate's key was erased: nothing personal may be stored for them any more
    }
  }

  /** The reason as text: opened when sealed ([erased] once the key is gone). */
  private async reasonText(reason: StatusLine['reason']): Promise<string | null> {
    if (reason === null || typeof reason === 'string') return reason;
    const plain = await this.open(reason as Sealed);
    return plain === null ? ERASED : String(plain);
  }

  private async passage(award: AwardDeclaration): Promise<Passage | { reason: string; missing: string[] }> {
    const candidate = await this.candidate(award.candidateId);
    const identity = candidate.erased || !candidate.identity ? null : ((await this.open(candidate.identity)) as IdentityForCdc | null);
    const { titulaire, missing, invalid: tooLong } = titulaireFrom(identity);
    if (!titulaire || !candidate.accessRoute) {
      const reason = !identity ? 'personal data erased: identity unreadable' : tooLong.length ? 'identity holds values longer than the CDC accepts' : 'identity lacks fields the CDC requires';
      return { reason, missing: [...missing, ...tooLong, ...(candidate.accessRoute ? [] : ['modaliteAcces'])] };
    }
    return {
      idTechnique: award.awardEventId,
      certificationCode: award.certificationCode,
      awardedOn: award.awardedOn,
      validUntil: null,
      ...modalitesFrom(candidate.accessRoute, identity),
      titulaire,
    };
  }

  /** The holder's identity and access route, from the candidate stream's one fold. */
  private async candidate(candidateId: string): Promise<{ identity: Sealed | null; accessRoute: AccessRoute | null; erased: boolean }> {
    const state = fold(candidateSpec, (await this.store.readStream(candidateStream(candidateId), { upcast: true })).map(asRecorded));
    return { identity: state.identity, accessRoute: state.accessRoute, erased: state.erased };
  }

  private meta(actor: Actor, at: Date): EventMetadata {
    return { actor: { id: actor.id, role: actor.role }, correlationId: randomUUID(), causationId: null, recordedAt: at.toISOString() };
  }
}

function uuidFrom(hex: string): string {
  const h = hex.slice(0, 32).split('');
  h[12] = '5';
  h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/** One line for a Warning header or a log: how many awards need attention, and why. */
export function warningText(report: AccrochageReport, warningDays: number): string | null {
  const parts: string[] = [];
  const late = report.nearDeadline.filter((a) => a.daysLeft < 0).length;
  const soon = report.nearDeadline.length - late;
  if (soon) parts.push(`${soon} award(s) reach the three-month declaration deadline within ${warningDays} days`);
  if (late) parts.push(`${late} award(s) are past the three-month declaration deadline`);
  if (report.notExportable.length) parts.push(`${report.notExportable.length} award(s) cannot be exported (erased identity or missing CDC fields)`);
  if (report.manualWithdrawals.length) parts.push(`${report.manualWithdrawals.length} withdrawn award(s) to withdraw by hand on the CDC portal`);
  if (report.awaitingApproval) parts.push(`${report.awaitingApproval} award(s) wait for the jury president's approval of the sealed record (RECORD_APPROVAL_REQUIRED)`);
  if (report.pendingWithdrawals) parts.push(`${report.pendingWithdrawals} withdrawal(s) to declare in the next flux`);
  return parts.length ? parts.join('; ') : null;
}
