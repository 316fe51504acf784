import { createPublicKey, KeyObject } from 'node:crypto';
import type { Pool } from 'pg';
import { signDataIntegrity, verifyDataIntegrity } from '@app/domain/credentials/data-integrity';
import { didKeyOf, publicKeyFromDidKey } from '@app/domain/credentials/did-key';
import { blockCredential, certificationCredential, credentialUrn, OpenBadgeCredential, statusListCredential, STATUS_LIST_BITS } from '@app/domain/credentials/open-badge';
import { ReferentialDocument } from '@app/domain/referential/referential';
import { referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { fold } from '@app/domain/shared/decider';
import { awardsInForce, counts, decisionInForce, Outcome, sessionDecision, targetOf } from '@app/domain/candidate/outcome';
import { candidateSpec, candidateStream } from '@app/domain/candidate/candidate';
import { approvalStatus, ApprovalStatus, JuryState, jurySpec, juryStream, recordIsFinal } from '@app/domain/jury/jury';
import { notFound } from '@app/domain/shared/errors';
import { EventStore, StoredEvent } from '@app/event-store/event-store';
import { Migration } from '@app/event-store/migrations';
import { asRecorded } from '@app/platform/commands/command-runner';

export const CREDENTIAL_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'credential status entries',
    // One row per issued credential: its place in the status list and the decisions it stands on.
    up: `CREATE TABLE credential_status_entries (
      credential_key text PRIMARY KEY,
      candidate_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('block', 'certification')),
      basis jsonb NOT NULL,
      status_index int GENERATED ALWAYS AS IDENTITY (START WITH 0 MINVALUE 0) UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX credential_status_entries_candidate ON credential_status_entries (candidate_id)`,
  },
];

/**
 * What a credential stands on: a block credential on the decision that
 * validated it (revoked once that decision is no longer in force), a
 * certification credential on its award (revoked once withdrawn). Entries
 * written before awards came with the seal list decisions for certifications
 * too; they are checked the same way.
 */
type Basis = Array<{ block: string; decisionEventId: string } | { awardEventId: string }>;

export interface CredentialSettings {
  privateKey: KeyObject;
  issuerId?: string;
  publicBaseUrl: string;
  /** RECORD_APPROVAL_REQUIRED (default true): a credential stands on a sealed record only once the jury's president approved it. */
  approvalRequired?: boolean;
}

/** What a candidate's credentials are, and those not issued yet because the record they stand on is not final. */
export interface CandidateCredentials {
  credentials: OpenBadgeCredential[];
  /** Per jury whose record is not final yet: why (`not-sealed`, `awaiting-president`) and how many credentials wait for it. */
  withheld: Array<{ juryId: string; approvalStatus: ApprovalStatus; credentials: number }>;
}

export interface VerificationReport {
  verified: boolean;
  checks: {
    proof: 'valid' | 'invalid';
    issuer: 'this-certifier' | 'unknown';
    status: 'active' | 'revoked' | 'unknown';
    validity: 'current' | 'not-yet-valid' | 'expired' | 'unknown';
  };
  errors: string[];
}

/**
 * Issues Open Badges 3.0 credentials from the candidate's file: one per block
 * validated and in force (the domain's decisionInForce), one per award in
 * force (awarded at a sealed closing, not withdrawn). Credentials are deterministic (same decisions → same id, dates and
 * signature), carry no personal data (the subject is urn:uuid:<candidateId>)
 * and are revoked through the status list when a revision changes a decision.
 */
export class CredentialIssuer {
  readonly verificationMethod: string;
  readonly issuerId: string;
  readonly statusUrl: string;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly settings: CredentialSettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    const { did, verificationMethod } = didKeyOf(createPublicKey(settings.privateKey));
    this.verificationMethod = verificationMethod;
    this.issuerId = settings.issuerId ?? did;
    this.statusUrl = `${settings.publicBaseUrl}/v1/credentials/status`;
  }

  async credentialsFor(candidateId: string): Promise<OpenBadgeCredential[]> {
    return (await this.credentialsOf(candidateId)).credentials;
  }

  /**
   * The credentials issued at the seal: each stands on a decision or an award
   * of a deliberation whose record is final (sealed, and approved by the
   * president where RECORD_APPROVAL_REQUIRED). Those of records not final yet
   * are not issued (no status index is given them) and are counted in `withheld`.
   */
  async credentialsOf(candidateId: string): Promise<CandidateCredentials> {
    const events = await this.store.readStream(candidateStream(candidateId), { upcast: true });
    if (events.length === 0) throw notFound('candidate', candidateId);
    const outcome = outcomeOf(events);
    const records = new Map<string, JuryState>();
    const recordOf = async (juryId: string) => {
      if (!records.has(juryId)) records.set(juryId, fold(jurySpec, (await this.store.readStream(juryStream(juryId), { upcast: true })).map(asRecorded)));
      return records.get(juryId)!;
    };
    const withheld = new Map<string, number>();
    const final = async (juryId: string) => {
      if (recordIsFinal(await recordOf(juryId), this.settings.approvalRequired ?? true)) return true;
      withheld.set(juryId, (withheld.get(juryId) ?? 0) + 1);
      return false;
    };
    const referentials = new Map<string, { document: ReferentialDocument | null; version: number }>();
    const referentialOf = async (id: string) => {
      if (!referentials.has(id)) {
        const state = fold(referentialSpec, (await this.store.readStream(referentialStream(id), { upcast: true })).map(asRecorded));
        referentials.set(id, { document: state.document, version: state.version });
      }
      return referentials.get(id)!;
    };
    const out: OpenBadgeCredential[] = [];
    // One block credential per block validated and in force for its certification (decisionInForce, the one
    // rule of the domain), issued on the session decision that validated it.
    const issued = new Set<string>();
    for (const [sessionId, pinned] of Object.entries(outcome.sessions)) {
      const { document, version } = await referentialOf(pinned.referentialId);
      if (!document) continue;
      const target = targetOf(pinned.referentialId, version, document);
      const decided = [...new Set(outcome.decisions.filter((d) => d.sessionId === sessionId).map((d) => d.block))];
      for (const block of decided) {
        if (!document.blocks.some((b) => b.code === block)) continue;
        const inForce = decisionInForce(outcome, target, block);
        if (!counts(inForce) || inForce.byEquivalence || inForce.source.sessionId !== sessionId || !inForce.source.eventId) continue;
        const d = inForce.source;
        if (issued.has(d.eventId!)) continue;
        if (!(await final(d.juryId))) continue;
        issued.add(d.eventId!);
        const key = `block:${d.eventId}`;
        const index = await this.allocate(key, candidateId, 'block', [{ block, decisionEventId: d.eventId! }]);
        out.push(this.sign(blockCredential({ ...this.common(candidateId, pinned.referentialId, document, key, d.recordedAt!, index), block }), d.recordedAt!));
      }
    }
    // One certification credential per award in force: it agrees with progress.certified, and is revoked by the withdrawal.
    for (const award of awardsInForce(outcome)) {
      const { document } = await referentialOf(award.referentialId);
      if (!document || !award.eventId || !award.recordedAt) continue;
      if (!(await final(award.juryId))) continue;
      const key = `certification:${award.eventId}`;
      const index = await this.allocate(key, candidateId, 'certification', [{ awardEventId: award.eventId }]);
      out.push(this.sign(certificationCredential(this.common(candidateId, award.referentialId, document, key, award.recordedAt, index)), award.recordedAt));
    }
    return { credentials: out, withheld: [...withheld].map(([juryId, credentials]) => ({ juryId, approvalStatus: approvalStatus(records.get(juryId)!), credentials })) };
  }

  /** The signed BitstringStatusListCredential: bit i set when credential i is revoked. */
  async statusList(): Promise<Record<string, unknown>> {
    const revoked = await this.revokedIndexes();
    const now = this.now().toISOString();
    return signDataIntegrity(statusListCredential({ url: this.statusUrl, issuer: this.issuerId, validFrom: now, revoked }) as unknown as Record<string, unknown>, {
      privateKey: this.settings.privateKey,
      verificationMethod: this.verificationMethod,
      created: now,
    });
  }

  async verify(credential: unknown): Promise<VerificationReport> {
    const errors: string[] = [];
    const proof = verifyDataIntegrity(credential, publicKeyFromDidKey);
    if (!proof.verified) errors.push(proof.error);
    const c = (credential && typeof credential === 'object' ? credential : {}) as Record<string, any>;
    const issuerId = typeof c.issuer === 'string' ? c.issuer : c.issuer?.id;
    const ours = proof.verified && proof.verificationMethod === this.verificationMethod && issuerId === this.issuerId;
    if (proof.verified && !ours) errors.push('signed by a key that is not this certifier’s');
    let status: VerificationReport['checks']['status'] = 'unknown';
    const entry = c.credentialStatus;
    if (entry?.statusListCredential === this.statusUrl && /^\d+$/.test(String(entry.statusListIndex ?? ''))) {
      const index = Number(entry.statusListIndex);
      const known = await this.pool.query('SELECT 1 FROM credential_status_entries WHERE status_index = $1', [index]);
      if (known.rowCount) status = (await this.revokedIndexes()).has(index) ? 'revoked' : 'active';
    }
    if (status === 'revoked') errors.push('revoked: a later decision replaced the one this credential stands on');
    if (status === 'unknown') errors.push('status unknown: not a credential of this issuer’s status list');
    const now = this.now().getTime();
    let validity: VerificationReport['checks']['validity'] = 'unknown';
    const from = Date.parse(c.validFrom);
    if (Number.isFinite(from)) {
      const until = c.validUntil ? Date.parse(c.validUntil) : Number.POSITIVE_INFINITY;
      validity = now < from ? 'not-yet-valid' : now > until ? 'expired' : 'current';
      if (validity !== 'current') errors.push(`not valid now (${validity})`);
    } else errors.push('validFrom missing or not a date');
    return {
      verified: proof.verified && ours && status === 'active' && validity === 'current',
      checks: { proof: proof.verified ? 'valid' : 'invalid', issuer: ours ? 'this-certifier' : 'unknown', status, validity },
      errors,
    };
  }

  private common(candidateId: string, referentialId: string, document: ReferentialDocument, key: string, validFrom: string, index: number) {
    return {
      id: credentialUrn(key),
      issuer: { id: this.issuerId, name: document.certifier },
      validFrom,
      subjectId: `urn:uuid:${candidateId}`,
      referentialId,
      referentialUrl: `${this.settings.publicBaseUrl}/v1/referentials/${referentialId}`,
      document,
      status: { listUrl: this.statusUrl, index },
    };
  }

  /** Signed with `created` = validFrom: the same decisions always give the same credential, byte for byte. */
  private sign(credential: OpenBadgeCredential, created: string): OpenBadgeCredential {
    return signDataIntegrity(credential as unknown as Record<string, unknown>, { privateKey: this.settings.privateKey, verificationMethod: this.verificationMethod, created }) as unknown as OpenBadgeCredential;
  }

  private async allocate(key: string, candidateId: string, kind: 'block' | 'certification', basis: Basis): Promise<number> {
    const { rows } = await this.pool.query(
      `WITH ins AS (
         INSERT INTO credential_status_entries (credential_key, candidate_id, kind, basis) VALUES ($1, $2, $3, $4)
         ON CONFLICT (credential_key) DO NOTHING RETURNING status_index)
       SELECT status_index FROM ins UNION ALL SELECT status_index FROM credential_status_entries WHERE credential_key = $1`,
      [key, candidateId, kind, JSON.stringify(basis)],
    );
    const index = Number(rows[0].status_index);
    if (index >= STATUS_LIST_BITS) throw new Error('the credential status list is full: start a second list');
    return index;
  }

  /** Revoked: an entry whose basis no longer stands (a decision no longer in force, an award withdrawn). */
  private async revokedIndexes(): Promise<Set<number>> {
    const { rows } = await this.pool.query('SELECT candidate_id, basis, status_index FROM credential_status_entries ORDER BY candidate_id');
    const revoked = new Set<number>();
    const byCandidate = new Map<string, Array<{ basis: Basis; index: number }>>();
    for (const r of rows) byCandidate.set(r.candidate_id, [...(byCandidate.get(r.candidate_id) ?? []), { basis: r.basis as Basis, index: Number(r.status_index) }]);
    for (const [candidateId, entries] of byCandidate) {
      const outcome = outcomeOf(await this.store.readStream(candidateStream(candidateId), { upcast: true }));
      for (const e of entries) if (!e.basis.every((b) => stands(outcome, b))) revoked.add(e.index);
    }
    return revoked;
  }
}

/** The candidate's outcome, folded with the candidate stream's one fold (and its upcast). */
function outcomeOf(events: StoredEvent[]): Outcome {
  return fold(candidateSpec, events.map(asRecorded)).outcome;
}

function stands(outcome: Outcome, basis: Basis[number]): boolean {
  if ('awardEventId' in basis) {
    const award = outcome.awards.find((a) => a.eventId === basis.awardEventId);
    return !!award && award.withdrawn === null;
  }
  const decision = outcome.decisions.find((d) => d.eventId === basis.decisionEventId);
  if (!decision) return false;
  const inForce = sessionDecision(outcome, decision.sessionId, decision.block)?.source;
  return inForce?.eventId === basis.decisionEventId && inForce.decision === 'validated';
}

/** For the CLI: offline proof check, optionally pinned to the certifier's public key. */
export function verifyOffline(credential: unknown, pinnedPublicKey?: KeyObject): { verified: boolean; verificationMethod?: string; error?: string } {
  const proof = verifyDataIntegrity(credential, publicKeyFromDidKey);
  if (!proof.verified) return { verified: false, error: proof.error };
  if (pinnedPublicKey && didKeyOf(pinnedPublicKey).verificationMethod !== proof.verificationMethod) {
    return { verified: false, verificationMethod: proof.verificationMethod, error: 'signed by another key than the pinned one' };
  }
  return { verified: true, verificationMethod: proof.verificationMethod };
}

