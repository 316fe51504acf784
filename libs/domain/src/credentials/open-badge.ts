import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BlockDoc, ReferentialDocument } from '../referential/referential';

/**
 * Open Badges 3.0 credentials (W3C Verifiable Credentials 2.0) for a
 * validated block and an awarded certification, and the Bitstring Status
 * List that revokes them. Pure builders: ids, dates and URLs come in.
 */
export const VC_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const OB_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
/** Bitstring Status List minimum size (16 KiB), so that an index says little about who holds it. */
export const STATUS_LIST_BITS = 131_072;

export interface IssuerProfile {
  id: string;
  name: string;
}

export interface StatusEntryRef {
  /** URL of the status list credential. */
  listUrl: string;
  index: number;
}

interface Common {
  /** Stable credential id (urn:uuid:…). */
  id: string;
  issuer: IssuerProfile;
  /** ISO timestamp from which the achievement holds (the decision or the award). */
  validFrom: string;
  /** Pseudonymous subject id: urn:uuid:<candidateId> (no personal data in the badge). */
  subjectId: string;
  referentialId: string;
  referentialUrl: string;
  document: ReferentialDocument;
  status: StatusEntryRef;
}

export interface OpenBadgeCredential {
  '@context': string[];
  id: string;
  type: string[];
  issuer: { id: string; type: string[]; name: string };
  validFrom: string;
  name: string;
  credentialSubject: {
    id: string;
    type: string[];
    achievement: {
      id: string;
      type: string[];
      achievementType: string;
      name: string;
      description: string;
      humanCode: string;
      criteria: { narrative: string };
      [k: string]: unknown;
    };
    [k: string]: unknown;
  };
  credentialStatus: { id: string; type: 'BitstringStatusListEntry'; statusPurpose: 'revocation'; statusListIndex: string; statusListCredential: string };
  [k: string]: unknown;
}

/** What a block assesses and how, from the referential: the competences and their evaluation modalities. */
export function blockNarrative(block: BlockDoc): string {
  const lines = [`Bloc ${block.code} validé par le jury de certification : chaque compétence ci-dessous évaluée sur ses critères.`, ''];
  for (const c of block.competences) lines.push(`- ${c.code} — ${c.title} (${c.criteria.length} critère${c.criteria.length > 1 ? 's' : ''} : ${c.criteria.map((k) => k.code).join(', ')})`);
  if (block.modalities?.length) {
    lines.push('', "Modalités d'évaluation :");
    for (const m of block.modalities) lines.push(`- ${m.title}`);
  }
  return lines.join('\n');
}

function envelope(common: Common, name: string, subjectExtra: Record<string, unknown>, achievement: OpenBadgeCredential['credentialSubject']['achievement']): OpenBadgeCredential {
  return {
    '@context': [VC_CONTEXT, OB_CONTEXT],
    id: common.id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: { id: common.issuer.id, type: ['Profile'], name: common.issuer.name },
    validFrom: common.validFrom,
    name,
    credentialSubject: { id: common.subjectId, type: ['AchievementSubject'], ...subjectExtra, achievement },
    credentialStatus: {
      id: `${common.status.listUrl}#${common.status.index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(common.status.index),
      statusListCredential: common.status.listUrl,
    },
  };
}

export function blockCredential(common: Common & { block: string }): OpenBadgeCredential {
  const block = common.document.blocks.find((b) => b.code === common.block);
  if (!block) throw new Error(`block ${common.block} is not in referential ${common.document.code}`);
  const humanCode = `${common.document.code}${block.code}`;
  return envelope(common, `${humanCode} — ${block.title}`, {}, {
    id: `${common.referentialUrl}#${block.code}`,
    type: ['Achievement'],
    achievementType: 'Competency',
    name: block.title,
    description: `Bloc de compétences ${block.code} de la certification ${common.document.code} « ${common.document.title} » (${common.document.certifier}).`,
    humanCode,
    criteria: { narrative: blockNarrative(block) },
  });
}

export function certificationCredential(common: Common): OpenBadgeCredential {
  const doc = common.document;
  return envelope(common, `${doc.code} — ${doc.title}`, {}, {
    id: common.referentialUrl,
    type: ['Achievement'],
    achievementType: 'Certification',
    name: doc.title,
    description: `Certification professionnelle ${doc.code} « ${doc.title} »${doc.level ? `, niveau ${doc.level}` : ''}, délivrée par ${doc.certifier}.`,
    humanCode: doc.code,
    criteria: {
      narrative: [`Certification délivrée lorsque tous ses blocs de compétences sont validés par le jury :`, ...doc.blocks.map((b) => `- ${b.code} — ${b.title}`)].join('\n'),
    },
  });
}

/** A deterministic urn:uuid from a stable key, so the same achievement always has the same credential id. */
export function credentialUrn(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** GZIP + base64url (multibase 'u') of a bitstring whose bit i (left-most first) is set for each revoked index. */
export function encodeStatusList(revoked: Iterable<number>, bits = STATUS_LIST_BITS): string {
  const bytes = Buffer.alloc(Math.ceil(bits / 8));
  for (const i of revoked) {
    if (!Number.isInteger(i) || i < 0 || i >= bits) throw new Error(`status index ${i} out of range`);
    bytes[i >> 3] |= 0x80 >> (i & 7);
  }
  return `u${gzipSync(bytes).toString('base64url')}`;
}

export function isRevoked(encodedList: string, index: number): boolean {
  if (!encodedList.startsWith('u')) throw new Error('encodedList must be multibase base64url ("u…")');
  const bytes = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'));
  if (index < 0 || index >= bytes.length * 8) throw new Error('status index out of range');
  return (bytes[index >> 3] & (0x80 >> (index & 7))) !== 0;
}

export function statusListCredential(options: { url: string; issuer: IssuerProfile | string; validFrom: string; revoked: Iterable<number> }) {
  return {
    '@context': [VC_CONTEXT],
    id: options.url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: typeof options.issuer === 'string' ? options.issuer : { id: options.issuer.id, type: ['Profile'], name: options.issuer.name },
    validFrom: options.validFrom,
    credentialSubject: { id: `${options.url}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: encodeStatusList(options.revoked) },
  };
}
