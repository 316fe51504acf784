import { h } from '../../dom.js';

/** What the jury screens read of the API (docs/api.md, docs/jury.md): only the fields they use. */
export type Proposal = 'acquired' | 'not-acquired' | 'incomplete' | 'not-evaluated';
export type Decision = 'validated' | 'not-validated' | 'deferred';
export type JuryStatus = 'convened' | 'open' | 'closed';

export interface Member {
  userId: string;
  name: string;
  president: boolean;
  professional: boolean;
}

export interface CriteriaCounts {
  total: number;
  scored: number;
  acquired: number;
  neutralised: number;
}

export interface RecordBlock {
  block: string;
  title: string | null;
  proposal: Proposal;
  decision: Decision | null;
  motivation: string | null;
  deferred: boolean;
  criteria: CriteriaCounts;
  neutralised: Array<{ criterion: string; text: string | null; opinionId: string }>;
}

export interface RecordCandidate {
  candidateId: string;
  name: string | null;
  pseudonym?: string;
  erased: boolean;
  blocks: RecordBlock[];
  accommodations: Array<{ types: string[]; extraTimePercent: number | null }>;
}

export interface JuryRecord {
  juryId: string;
  status: JuryStatus;
  session: { sessionId: string; title: string | null; startsOn: string | null; endsOn: string | null };
  certification: { referentialId: string; code: string | null; title: string | null };
  revises: { juryId: string } | null;
  members: Member[];
  candidates: RecordCandidate[];
  sealHash: string | null;
  approvals: Array<{ memberId: string; name: string; approvedAt: string }>;
  approvalStatus: string;
  final: boolean;
}

export interface JuryListItem {
  id: string;
  sessionId: string;
  status: JuryStatus;
  members: Member[];
  revises: { juryId: string } | null;
  decisions: { total: number; validated: number; notValidated: number; deferred: number };
}

export interface SessionItem {
  id: string;
  title: string;
  startsOn: string;
  endsOn: string;
  certificationCode: string;
  candidates: number;
}

export type SheetIdentity =
  | { status: 'identified'; pseudonym: string; familyName: string; givenName: string; usageName?: string }
  | { status: 'pseudonymised'; pseudonym: string }
  | { status: 'erased'; pseudonym: string };

export interface SheetItem {
  candidateId: string;
  identity: SheetIdentity;
  blocks: Array<{ code: string; proposal: Proposal; decision: Decision | null; criteria: CriteriaCounts }>;
  neutralisations: Array<{ block: string; criterion: string }>;
  accommodations: string[];
  pendingOpinions: number;
  certified: boolean;
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export const PROPOSAL_LABELS: Record<Proposal, string> = { acquired: 'Acquis', 'not-acquired': 'Non acquis', incomplete: 'Incomplet', 'not-evaluated': 'Non évalué' };
export const DECISION_LABELS: Record<Decision, string> = { validated: 'Validé', 'not-validated': 'Non validé', deferred: 'Différé' };
export const STATUS_LABELS: Record<JuryStatus, string> = { convened: 'Convoqué, délibération à ouvrir', open: 'Délibération ouverte', closed: 'Clos et scellé' };
export const ACCOMMODATION_LABELS: Record<string, string> = {
  'extra-time': 'Temps majoré',
  'adapted-equipment': 'Matériel adapté',
  assistant: 'Assistance humaine',
  'adapted-communication': 'Communication adaptée',
  'personal-equipment': 'Matériel personnel',
  other: 'Autre',
};

export const proposalTag = (p: Proposal) => h('span', { class: `tag ${p === 'acquired' ? 'ok' : p === 'not-acquired' ? 'ko' : 'wait'}` }, PROPOSAL_LABELS[p] ?? p);

export const decisionTag = (d: Decision | null) =>
  d === null ? h('span', { class: 'tag none' }, 'À décider') : h('span', { class: `tag ${d === 'validated' ? 'ok' : d === 'not-validated' ? 'ko' : 'wait'}` }, DECISION_LABELS[d] ?? d);

export function sheetName(identity: SheetIdentity): string {
  if (identity.status === 'identified') return `${identity.familyName.toLocaleUpperCase('fr-FR')} ${identity.givenName}`;
  if (identity.status === 'erased') return `[effacé] ${identity.pseudonym}`;
  return identity.pseudonym;
}

export function frenchDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** A labelled bar: the share done of a whole, readable by screen readers through <progress>. */
export function progressBar(id: string, label: string, done: number, total: number): HTMLElement {
  return h(
    'div',
    { class: 'counter' },
    h('label', { for: id }, label),
    h('div', { class: 'value' }, `${done} / ${total}`),
    h('progress', { id, max: String(Math.max(total, 1)), value: String(done) }, `${done} sur ${total}`),
  );
}

export const isPresident = (record: { members: Member[] }, sub: string) => record.members.some((m) => m.userId === sub && m.president);
export const isMember = (record: { members: Member[] }, sub: string) => record.members.some((m) => m.userId === sub);
