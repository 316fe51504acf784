import { NOT_EVALUATED_WORDING } from '@app/domain/candidate/session-block';
import { openFrenchPdf } from '../../http/french-pdf';
import type { CandidateRecord } from '@app/domain/jury/record';
import { WITHHELD } from '@app/platform/personal-data/identity-view';
import { ERASED } from '@app/platform/personal-data/vault';
import { JuryRecordView } from './jury-record-reader';

const STATUS: Record<string, string> = { convened: 'jury convoqué, délibération non ouverte', open: 'délibération ouverte, non close', closed: 'délibération close et scellée' };
const PROPOSAL: Record<string, string> = { acquired: 'acquis', 'not-acquired': 'non acquis', incomplete: 'incomplet', 'not-evaluated': 'non évalué' };
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const DECISION: Record<string, string> = { validated: 'validé', 'not-validated': 'non validé', deferred: 'différé' };
const FRAUD: Record<string, string> = { none: 'aucune sanction', 'evaluation-annulled': 'annulation de l’évaluation', ban: 'annulation de l’évaluation et interdiction de se présenter' };
const REASON: Record<string, string> = { 'material-error': 'erreur matérielle', appeal: 'recours' };
const RULE: Record<string, string> = { 'all-criteria': 'bloc acquis lorsque tous les critères non neutralisés sont acquis' };
const ACCOMMODATION: Record<string, string> = {
  'extra-time': 'temps majoré',
  assistant: 'assistance humaine',
  'adapted-communication': 'communication adaptée',
  'adapted-equipment': 'matériel adapté',
  'personal-equipment': 'matériel personnel',
  other: 'autre aménagement',
};
export const ERASED_LABEL = 'effacé';
export const WITHHELD_LABEL = 'non communiqué';

/** A free text as the record JSON gives it, in French: "[erased]" and "[withheld]" are markers (docs/security.md), not text. */
const shown = (text: string | null | undefined): string | null => (text === ERASED ? ERASED_LABEL : text === WITHHELD ? WITHHELD_LABEL : text ?? null);

/** Fields of a candidate's record that some readers get and others do not (identity parts, pseudonym, the award). */
type PvCandidate = CandidateRecord & { familyName?: string | null; givenName?: string | null; pseudonym?: string | null; certified?: boolean };

export interface RecordPdfOptions {
  /** Where the jury sat ("Fait à … le …"); a blank to fill in by hand when unset. */
  place?: string;
}

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
const PARIS = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });

/** "1er juin 2026" from a calendar date (YYYY-MM-DD): no time zone applies. */
export function frenchDate(date: string | null | undefined): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date ?? '');
  if (!m) return '—';
  const day = Number(m[3]);
  return `${day === 1 ? '1er' : day} ${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
}

/** "29 novembre 2026 à 19 h 54", the instant as it read in Paris (legal time of the jury). */
export function frenchDateTime(iso: string | null | undefined): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return '—';
  const parts = Object.fromEntries(PARIS.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  const day = Number(parts.day);
  return `${day === 1 ? '1er' : day} ${MONTHS[Number(parts.month) - 1]} ${parts.year} à ${Number(parts.hour)} h ${parts.minute}`;
}

/** French counts: 0 and 1 take the singular. */
export function count(n: number, singular: string, plural: string): string {
  return `${n} ${n > 1 ? plural : singular}`;
}

/** The name a reader may see, family name first for the list; the pseudonym for regulators; "effacé" once erased. */
function displayName(c: PvCandidate): string {
  if (c.erased) return ERASED_LABEL;
  if (c.familyName || c.givenName) return [c.familyName?.toUpperCase(), c.givenName].filter(Boolean).join(' ');
  return c.name ?? c.pseudonym ?? ERASED_LABEL;
}

function sortKey(c: PvCandidate): string {
  if (c.erased) return `\uffff${c.candidateId}`;
  return [c.familyName, c.givenName].filter(Boolean).join(' ') || c.name?.split(' ').reverse().join(' ') || c.pseudonym || c.candidateId;
}

/** The outcome line of a candidate: certifié(e), blocs validés, non validé or non délibéré. */
export function outcome(c: PvCandidate, sealed: boolean): string {
  const decided = c.blocks.filter((b) => b.decision !== null);
  const validated = c.blocks.filter((b) => b.decision === 'validated').map((b) => b.block);
  const deferred = c.blocks.filter((b) => b.decision === 'deferred').map((b) => b.block);
  const undecided = c.blocks.filter((b) => b.decision === null).map((b) => b.block);
  let line: string;
  if (c.certified || (c.awards ?? []).some((a) => a.withdrawn === null)) line = 'certifié(e)';
  else if (decided.length === 0) line = sealed ? 'non délibéré' : 'non encore délibéré';
  else if (validated.length > 0) line = `${validated.length > 1 ? 'blocs validés' : 'bloc validé'} : ${validated.join(', ')}`;
  else if (deferred.length === decided.length) line = 'décision différée';
  else line = 'non validé';
  // A block not evaluated is listed as such, not again as "non validé".
  const notValidated = c.blocks.filter((b) => b.decision === 'not-validated' && !b.notEvaluated).map((b) => b.block);
  const notes: string[] = [];
  if (notValidated.length && validated.length) notes.push(`non validé : ${notValidated.join(', ')}`);
  if (deferred.length && !(decided.length === deferred.length)) notes.push(`${deferred.length > 1 ? 'blocs différés' : 'bloc différé'} : ${deferred.join(', ')}`);
  const notEvaluated = c.blocks.filter((b) => b.notEvaluated).map((b) => b.block);
  if (notEvaluated.length) notes.push(`non évalué : ${notEvaluated.join(', ')}`);
  if (undecided.length && decided.length) notes.push(`${sealed ? 'non délibéré' : 'à délibérer'} : ${undecided.join(', ')}`);
  return notes.length ? `${line} (${notes.join(' ; ')})` : line;
}

/**
 * The procès-verbal de délibération, from the same record JSON the API answers
 * (already cut to what the reader may see): the certification, the session,
 * the jury and its members, one result line per candidate, the detail per
 * block, "Fait à … le …" and a signature block per member. PDF/A-2b with
 * embedded fonts so it can be filed; the seal hash and the key fingerprint in
 * every page's footer so any page can be checked against the ledger.
 */
export function renderRecordPdf(record: JuryRecordView, options: RecordPdfOptions = {}): Promise<Buffer> {
  const stamp = new Date(record.closedAt ?? record.convenedAt ?? '2000-01-01T00:00:00Z');
  const cert = record.certification;
  const sealed = record.status === 'closed' && !!record.sealHash;
  const { doc, left, para, finish } = openFrenchPdf(
    {
      Title: `Procès-verbal de délibération — ${cert.title ?? cert.code ?? ''} — ${record.session.title ?? record.session.sessionId}`,
      Author: cert.certifier ?? 'certificateur',
      Subject: `Jury ${record.juryId}`,
      CreationDate: stamp,
      ModDate: stamp,
    },
    { top: 50, bottom: 70, left: 55, right: 55 },
    10,
  );
  const heading = (text: string) => {
    doc.moveDown(0.7);
    para(text, 0, 'bold', 12);
    doc.moveDown(0.2);
  };

  para('Procès-verbal de délibération du jury de certification', 0, 'bold', 16);
  doc.moveDown(0.2);
  para(cert.certifier ?? '', 0, 'regular', 10);

  heading('Certification');
  para(`${cert.title ?? '—'}`, 0, 'bold');
  para(`Code RNCP : ${cert.code ?? '—'}${cert.level ? ` — niveau ${cert.level} du cadre national des certifications` : ''}`);
  para(`Référentiel : version ${cert.version}, règle de validation : ${RULE[cert.validationRule ?? ''] ?? cert.validationRule ?? '—'}`);

  heading('Session');
  para(`${record.session.title ?? record.session.sessionId}, du ${frenchDate(record.session.startsOn)} au ${frenchDate(record.session.endsOn)}`);

  heading('Jury');
  para(`Statut : ${STATUS[record.status] ?? record.status}`);
  if (record.convenedAt) para(`Convoqué le ${frenchDateTime(record.convenedAt)}`);
  if (record.openedAt) para(`Délibération ouverte le ${frenchDateTime(record.openedAt)}`);
  if (record.closedAt) para(`Délibération close et scellée le ${frenchDateTime(record.closedAt)}`);
  if (record.revises) para(`Délibération de révision du jury ${record.revises.juryId}, motif : ${REASON[record.revises.reason] ?? record.revises.reason}${record.revises.appealId ? ` (recours ${record.revises.appealId})` : ''}`);
  para(`Référence du jury : ${record.juryId}`, 0, 'regular', 8);

  heading('Membres du jury');
  for (const m of record.members) {
    const role = m.president ? 'président(e) du jury' : 'membre du jury';
    para(`• ${m.name} — ${role}${m.professional ? ', professionnel(le) du secteur' : ''} — ${m.present ? 'présent(e)' : 'absent(e)'}`, 10);
  }
  if (record.recusals.length === 0) para('Aucun membre ne s’est déporté.', 10);
  const candidates = [...(record.candidates as PvCandidate[])].sort((a, b) => sortKey(a).localeCompare(sortKey(b), 'fr', { sensitivity: 'base' }) || (a.candidateId < b.candidateId ? -1 : 1));
  const nameOf = (id: string) => {
    const c = candidates.find((x) => x.candidateId === id);
    return c ? displayName(c) : `le candidat ${id}`;
  };
  for (const r of record.recusals) para(`${r.name} s’est déporté(e) pour ${nameOf(r.candidateId)} : ${shown(r.reason)}`, 10);
  for (const d of record.designations ?? []) {
    const previous = record.members.find((m) => m.userId === d.previousUserId)?.name ?? d.previousUserId;
    para(`${d.name} désigné(e) président(e) suppléant(e)${previous ? ` en remplacement de ${previous}` : ''}${d.designatedAt ? `, le ${frenchDateTime(d.designatedAt)}` : ''}`, 10);
  }

  heading(`Résultats (${count(candidates.length, 'candidat', 'candidats')})`);
  if (candidates.length === 0) para('Aucun candidat délibéré.');
  for (const c of candidates) para(`${displayName(c)} — ${outcome(c, sealed)}`, 10);

  heading('Décisions par candidat et par bloc');
  for (const c of candidates) {
    doc.moveDown(0.4);
    para(`${displayName(c)}`, 0, 'bold', 11);
    para(`Référence : ${c.candidateId}`, 10, 'regular', 8);
    if (c.recusedMembers.length) para(`Membres déportés pour ce candidat : ${c.recusedMembers.join(', ')}`, 10);
    if (c.vae) vaeSection(c.vae, para);
    for (const b of c.blocks) {
      para(`Bloc ${b.block}${b.title ? ` — ${b.title}` : ''}`, 10, 'bold');
      const k = b.criteria;
      if (b.attempt) para(`Tentative n° ${b.attempt}`, 20);
      if (b.vae) {
        // Decided on the file and the interview: no score proposal to print.
        para(`Sur dossier VAE : bloc ${b.vae.fileCovers ? 'couvert par le dossier' : 'hors du dossier'}, ${b.vae.interviewHeldOn ? `entretien tenu le ${frenchDate(b.vae.interviewHeldOn)}` : 'entretien non tenu'}`, 20);
      } else if (b.notEvaluated) {
        // A block not evaluated (absence, annulled evaluation) says so and why: its counts would read as a failure ("non acquis") when nothing was evaluated.
        para(`Proposition : ${capitalised(NOT_EVALUATED_WORDING[b.notEvaluated])}`, 20);
      } else {
        para(
          `Proposition : ${PROPOSAL[b.proposal] ?? b.proposal} (${count(k.total, 'critère', 'critères')} : ${count(k.scored, 'évalué', 'évalués')}, ${count(k.acquired, 'acquis', 'acquis')}, ${count(k.neutralised, 'neutralisé', 'neutralisés')})`,
          20,
        );
      }
      for (const e of b.earlier ?? []) para(`Décision antérieure dans cette délibération : ${DECISION[e.decision] ?? e.decision}${e.decidedAt ? `, le ${frenchDateTime(e.decidedAt)}` : ''}`, 20);
      const decision = b.decision ? DECISION[b.decision] ?? b.decision : sealed ? 'non délibéré' : 'non encore délibéré';
      para(`Décision du jury : ${decision}${b.decidedAt ? `, le ${frenchDateTime(b.decidedAt)}` : ''}`, 20);
      if (b.motivation) para(`Motivation : ${shown(b.motivation)}`, 20);
      for (const n of b.neutralised) {
        para(`Critère neutralisé ${n.criterion}${n.text ? ` : ${n.text}` : ''}`, 20);
        const by = n.opinion?.givenBy ? ` de ${n.opinion.givenBy}` : '';
        const at = n.opinion?.givenAt ? ` du ${frenchDateTime(n.opinion.givenAt)}` : '';
        const text = n.opinion ? (n.opinion.motivation ? ` : ${shown(n.opinion.motivation)}` : '') : ' introuvable';
        para(`sur l’avis motivé du référent handicap${by}${at}${text}`, 30);
      }
    }
    for (const a of c.awards ?? []) {
      para(`Certification ${a.certificationCode} délivrée le ${frenchDate(a.awardedOn)}${a.withdrawn ? ' (retirée depuis par une délibération de révision)' : ''}`, 10, 'bold');
      for (const b of a.blocks) {
        const from = b.byEquivalence ? ` par équivalence du bloc ${b.byEquivalence.block} (référentiel ${b.byEquivalence.referentialId ?? '—'})` : '';
        para(`Bloc ${b.block} validé${b.validatedOn ? ` le ${frenchDate(b.validatedOn)}` : ''}${from}`, 20);
      }
    }
    for (const f of c.frauds ?? []) {
      const by = f.reportedBy ? ` par ${f.reportedBy}` : '';
      const at = f.reportedAt ? ` le ${frenchDateTime(f.reportedAt)}` : '';
      para(`Fraude signalée${by}${at} (blocs ${f.blocks.join(', ')})${f.description ? ` : ${shown(f.description)}` : ''}`, 10, 'bold');
      const d = f.decision;
      if (!d) para(sealed ? 'Décision du jury sur la fraude : aucune' : 'Décision du jury sur la fraude : à prendre', 20);
      else {
        const until = d.banUntil ? ` jusqu’au ${frenchDate(d.banUntil)} (réinscription possible à partir de cette date)` : '';
        para(`Décision du jury sur la fraude : ${FRAUD[d.outcome] ?? d.outcome}${until}${d.decidedAt ? `, le ${frenchDateTime(d.decidedAt)}` : ''}`, 20);
        if (d.motivation) para(`Motivation : ${shown(d.motivation)}`, 20);
      }
    }
    for (const w of c.withdrawals ?? []) para(`Certification ${w.certificationCode} retirée par cette délibération de révision (motif : ${REASON[w.reason] ?? w.reason})`, 10, 'bold');
    if (c.accommodations.length === 0) para('Aménagements : aucun', 20);
    for (const a of c.accommodations) {
      const kinds = a.types.map((t) => (t === 'extra-time' && a.extraTimePercent !== null ? `${ACCOMMODATION[t]} de ${a.extraTimePercent} %` : ACCOMMODATION[t] ?? t)).join(', ');
      para(`Aménagement accordé : ${kinds}${a.reason ? ` (motif : ${shown(a.reason)})` : ''}`, 20);
      if (a.applied.length === 0) para('aucune application enregistrée pour cette session', 30);
      for (const x of a.applied) para(`appliqué lors de : ${x.evaluation}${x.note ? ` (${shown(x.note)})` : ''}`, 30);
    }
  }

  heading('Clôture et signatures');
  const closedOn = record.closedAt ? frenchDateTime(record.closedAt).replace(/ à .*/, '') : '____________________';
  para(`Fait à ${options.place ?? '____________________'}, le ${closedOn}.`);
  if (!sealed) para('Délibération non close : ce procès-verbal n’est pas scellé et ne vaut pas décision.', 0, 'bold');
  doc.moveDown(0.6);
  for (const m of record.members) {
    if (doc.y > doc.page.height - doc.page.margins.bottom - 60) doc.addPage();
    const top = doc.y;
    para(`${m.name}, ${m.president ? 'président(e) du jury' : 'membre du jury'}`, 0);
    para('Signature :', 0, 'regular', 9);
    doc.rect(left + 60, top + 14, 180, 34).lineWidth(0.5).stroke();
    doc.y = top + 56;
  }

  heading('Sceau');
  if (sealed) {
    para('Empreinte SHA-256 du contenu scellé (JSON canonique RFC 8785) :');
    para(record.sealHash!, 0, 'mono', 8);
    para('Signature Ed25519 du certificateur :');
    para(record.signature ?? '—', 0, 'mono', 7);
    para(`Empreinte de la clé : ${record.keyFingerprint ?? '—'}`);
    if (record.sealVerification) {
      para(`Vérification à la lecture : contenu ${record.sealVerification.intact ? 'intègre' : 'NON CONFORME au sceau'}${record.sealVerification.signatureValid === null ? '' : `, signature ${record.sealVerification.signatureValid ? 'valide' : 'INVALIDE'}`}`);
      para(sealScope(record.sealVerification.content));
    }
  } else {
    para('Délibération non close : procès-verbal non scellé.');
  }
  if (sealed) approvalsSection(record, para, heading);
  if (record.asOf || record.atPosition !== undefined) {
    para(`État du procès-verbal${record.asOf ? ` au ${frenchDateTime(record.asOf)}` : ''}${record.atPosition !== undefined ? ` à la position ${record.atPosition} du journal` : ''}`);
  }

  // Every page carries the seal, so a single page can be matched with the ledger.
  return finish(sealed ? [`Sceau SHA-256 : ${record.sealHash}`, `Clé : ${record.keyFingerprint ?? '—'}`] : ['Procès-verbal non scellé'], 18);
}

/**
 * The members' approvals of the sealed record, each with its time (Paris) and
 * comment as the reader may see it, and whether the record is final: the
 * president's approval makes it so (RECORD_APPROVAL_REQUIRED).
 */
/** The VAE path of a candidate heard on their file: the application, its admissibility, the file and the interview. */
function vaeSection(vae: NonNullable<PvCandidate['vae']>, para: (text: string, indent?: number, font?: 'regular' | 'bold' | 'mono', size?: number) => unknown): void {
  para(`Validation des acquis de l’expérience (VAE) — demande ${vae.applicationId} pour ${vae.certificationCode}, blocs demandés : ${vae.blocks.join(', ')}`, 10);
  if (vae.summary) para(`Expérience : ${shown(vae.summary)}`, 20);
  const admissibility = vae.admissibility;
  para(
    admissibility
      ? `Recevabilité : ${admissibility.admissible ? 'recevable' : 'non recevable'}${admissibility.decidedAt ? `, le ${frenchDate(admissibility.decidedAt)}` : ''}${admissibility.motivation ? ` (${shown(admissibility.motivation)})` : ''}`
      : 'Recevabilité : non encore décidée',
    20,
  );
  para(vae.file ? `Dossier de validation déposé${vae.file.submittedAt ? ` le ${frenchDate(vae.file.submittedAt)}` : ''}, blocs couverts : ${vae.file.blocks.join(', ')}${vae.file.description ? ` — ${shown(vae.file.description)}` : ''}` : 'Dossier de validation : non déposé', 20);
  para(vae.interview ? `Entretien avec le jury le ${frenchDate(vae.interview.heldOn)}, mené par ${vae.interview.name}${vae.interview.notes ? ` : ${shown(vae.interview.notes)}` : ''}` : 'Entretien avec le jury : non tenu', 20);
}

function approvalsSection(record: JuryRecordView, para: (text: string, indent?: number, font?: 'regular' | 'bold' | 'mono', size?: number) => unknown, heading: (text: string) => void): void {
  const approvals = record.approvals ?? [];
  heading('Approbation du procès-verbal scellé');
  if (approvals.length === 0) para('Aucun membre n’a encore approuvé le procès-verbal scellé.', 10);
  for (const a of approvals) {
    const comment = a.comment ? ` — observation : ${shown(a.comment)}` : '';
    const other = a.sealHash !== record.sealHash ? ` (sceau ${a.sealHash})` : '';
    para(`• Approuvé par ${a.name}, ${a.president ? 'président(e) du jury' : 'membre du jury'}, le ${frenchDateTime(a.approvedAt)}${other}${comment}`, 10);
  }
  const pending = record.members.filter((m) => !approvals.some((a) => a.memberId === m.userId)).map((m) => m.name);
  if (pending.length && approvals.length) para(`En attente de : ${pending.join(', ')}`, 10);
  if (record.approvalStatus === 'approved') para('Procès-verbal définitif : approuvé par le (la) président(e) du jury.', 0, 'bold');
  else if (record.final) para('Procès-verbal définitif dès son scellement (l’approbation du (de la) président(e) n’est pas requise).', 0, 'bold');
  else para('En attente de l’approbation du (de la) président(e) du jury : le procès-verbal n’est pas encore définitif (déclaration à la Caisse des Dépôts et badges suspendus).', 0, 'bold');
}

/** What the seal covers, in the words of the procès-verbal: the whole roll from format 3 on, what the jury did before. */
export function sealScope(content: { format: string; roll?: Array<{ blocks: string[] }> }): string {
  if (content.roll) {
    const n = content.roll.length;
    return `Le sceau (format ${content.format}) couvre la liste complète : ${n} candidat${n > 1 ? 's' : ''} et leurs blocs, délibérés ou non.`;
  }
  return `Le sceau (format ${content.format}, antérieur) couvre les actes du jury, non la liste des candidats non délibérés.`;
}
