import { createHash, createPublicKey, KeyObject } from 'node:crypto';
import type { Pool } from 'pg';
import { signDataIntegrity, verifyDataIntegrity } from '@app/domain/credentials/data-integrity';
import { didKeyOf, publicKeyFromDidKey } from '@app/domain/credentials/did-key';
import { blockCredential, certificationCredential, credentialUrn, OpenBadgeCredential, statusListCredential, STATUS_LIST_BITS } from '@app/domain/credentials/open-badge';
import { ReferentialDocument } from '@app/domain/referential/referential';
import { referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { fold } from '@app/domain/shared/decider';
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

/** A credential stands on these decisions: it is revoked once any block's latest decision is another one. */
type Basis = Array<{ block: string; decisionEventId: string }>;

interface LatestDecision {
  eventId: string;
  decision: string;
  recordedAt: string;
  sessionId: string;
}

interface CandidateFacts {
  latest: Map<string, LatestDecision>;
  sessionReferential: Map<string, string>;
  awards: StoredEvent[];
}

export interface CredentialSettings {
  privateKey: KeyObject;
  issuerId?: string;
  publicBaseUrl: string;
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
 * whose latest decision is `validated`, one per award whose blocks all still
 * are. Credentials are deterministic (same decisions → same id, dates and
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
    const events = await this.store.readStream(`candidate-${candidateId}`);
    if (events.length === 0) throw notFound('candidate', candidateId);
    const facts = candidateFacts(events);
    const referentials = new Map<string, ReferentialDocument | null>();
    const documentOf = async (id: string) => {
      if (!referentials.has(id)) referentials.set(id, fold(referentialSpec, (await this.store.readStream(referentialStream(id))).map(asRecorded)).document);
      return referentials.get(id) ?? null;
    };
    const out: OpenBadgeCredential[] = [];
    for (const [block, d] of facts.latest) {
      if (d.decision !== 'validated') continue;
      const referentialId = facts.sessionReferential.get(d.sessionId);
      const document = referentialId ? await documentOf(referentialId) : null;
      if (!referentialId || !document?.blocks.some((b) => b.code === block)) continue;
      const basis: Basis = [{ block, decisionEventId: d.eventId }];
      const key = `block:${d.eventId}`;
      const index = await this.allocate(key, candidateId, 'block', basis);
      out.push(this.sign(blockCredential({ ...this.common(candidateId, referentialId, document, key, d.recordedAt, index), block }), d.recordedAt));
    }
    for (const award of facts.awards) {
      const data = award.data as { certificationCode: string; referentialId: string; blocks: Array<{ block: string }> };
      const current = data.blocks.map((b) => ({ block: b.block, d: facts.latest.get(b.block) }));
      if (current.some((c) => c.d?.decision !== 'validated')) continue; // a revision took a block back: no credential until re-awarded
      const document = await documentOf(data.referentialId);
      if (!document) continue;
      const basis: Basis = current.map((c) => ({ block: c.block, decisionEventId: c.d!.eventId }));
      const key = `certification:${award.eventId}:${createHash('sha256').update(basis.map((b) => b.decisionEventId).sort().join(',')).digest('hex').slice(0, 16)}`;
      const validFrom = [award.recordedAt, ...current.map((c) => c.d!.recordedAt)].sort().pop()!;
      const index = await this.allocate(key, candidateId, 'certification', basis);
      out.push(this.sign(certificationCredential(this.common(candidateId, data.referentialId, document, key, validFrom, index)), validFrom));
    }
    return out;
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

  /** Revoked: an entry whose basis is no longer the latest decision of each of its blocks. */
  private async revokedIndexes(): Promise<Set<number>> {
    const { rows } = await this.pool.query('SELECT candidate_id, basis, status_index FROM credential_status_entries ORDER BY candidate_id');
    const revoked = new Set<number>();
    const byCandidate = new Map<string, Array<{ basis: Basis; index: number }>>();
    for (const r of rows) byCandidate.set(r.candidate_id, [...(byCandidate.get(r.candidate_id) ?? []), { basis: r.basis as Basis, index: Number(r.status_index) }]);
    for (const [candidateId, entries] of byCandidate) {
      const { latest } = candidateFacts(await this.store.readStream(`candidate-${candidateId}`));
      for (const e of entries) {
        if (e.basis.some((b) => latest.get(b.block)?.eventId !== b.decisionEventId)) revoked.add(e.index);
      }
    }
    return revoked;
  }
}

function candidateFacts(events: StoredEvent[]): CandidateFacts {
  const latest = new Map<string, LatestDecision>();
  const sessionReferential = new Map<string, string>();
  const awards: StoredEvent[] = [];
  for (const e of events) {
    if (e.type === 'CandidateEnrolled') sessionReferential.set(e.data.sessionId, e.data.referentialId);
    else if (e.type === 'BlockDecisionRecorded') latest.set(e.data.block, { eventId: e.eventId, decision: e.data.decision, recordedAt: e.recordedAt, sessionId: e.data.sessionId });
    else if (e.type === 'CertificationAwarded') awards.push(e);
  }
  return { latest, sessionReferential, awards };
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

