import type { BlockProgressView } from '@app/projections/candidate-progress/candidate-progress.evolve';
import { NOT_EVALUATED_WORDING } from '@app/domain/candidate/session-block';
import type { SheetItem } from './deliberation-sheet.reader';

const PROPOSALS: Record<string, string> = { incomplete: 'incomplet', acquired: 'acquis', 'not-acquired': 'non acquis' };
const DECISIONS: Record<string, string> = { validated: 'validé', 'not-validated': 'non validé', deferred: 'différé' };
const ADMISSIBILITY: Record<string, string> = { pending: 'recevabilité en attente', admissible: 'recevable', 'not-admissible': 'non recevable' };

/** Where a block's VAE path stands, in the sheet's words; blank for a scored block. */
export function vaeCell(vae: BlockProgressView['vae']): string {
  if (!vae) return '';
  return [ADMISSIBILITY[vae.admissibility] ?? vae.admissibility, vae.fileCovers ? 'dossier déposé' : 'bloc hors dossier', vae.interviewHeldOn ? `entretien le ${vae.interviewHeldOn}` : 'entretien à tenir'].join(', ');
}

/**
 * One cell: a value a spreadsheet would run as a formula (=, +, -, @, or a
 * tab or carriage return first) gets a leading apostrophe; a value with the
 * separator, a quote or a line break is quoted, its quotes doubled.
 */
export function csvCell(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[;"\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The deliberation sheet for a spreadsheet: UTF-8 with a byte order mark (so
 * Excel reads the accents), `;` separated, CRLF line ends, French headers,
 * one row per candidate and block. Readers who do not see names get the
 * pseudonym column only. A block enrolled on a VAE file is proposed "sur
 * dossier (VAE)": the jury decides it on the file and the interview, whose
 * state the last column gives.
 */
export function sheetCsv(items: SheetItem[], withNames: boolean): string {
  const header = [
    'Identifiant candidat',
    'Pseudonyme',
    ...(withNames ? ['Nom', 'Prénom', 'Date de naissance'] : []),
    'Bloc',
    'Proposition',
    'Décision',
    'Critères',
    'Critères évalués',
    'Critères acquis',
    'Critères neutralisés',
    'Neutralisations',
    'Aménagements appliqués',
    'Avis du référent en attente',
    'Certifié',
    // After the columns spreadsheets already read, so they keep their places.
    'Tentative',
    'Parcours VAE',
  ];
  const rows: Array<Array<string | number>> = [header];
  for (const item of items) {
    const names =
      item.identity.status === 'identified' || item.identity.status === 'erased' ? [item.identity.familyName, item.identity.givenName, item.identity.birthDate] : ['', '', ''];
    for (const block of item.blocks) {
      rows.push([
        item.candidateId,
        item.identity.pseudonym,
        ...(withNames ? names : []),
        block.code,
        block.vae ? 'sur dossier (VAE)' : block.notEvaluated ? NOT_EVALUATED_WORDING[block.notEvaluated] : PROPOSALS[block.proposal] ?? block.proposal,
        block.decision === null ? 'non délibéré' : DECISIONS[block.decision] ?? block.decision,
        block.criteria.total,
        block.criteria.scored,
        block.criteria.acquired,
        block.criteria.neutralised,
        item.neutralisations.filter((n) => n.block === block.code).map((n) => n.criterion).join(', '),
        item.accommodations.join(', '),
        item.pendingOpinions,
        item.certified ? 'oui' : 'non',
        block.attempt,
        vaeCell(block.vae),
      ]);
    }
  }
  return '\uFEFF' + rows.map((r) => r.map(csvCell).join(';')).join('\r\n') + '\r\n';
}
