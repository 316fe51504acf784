import { appealDeadline, APPEAL_MONTHS, parisDay } from '@app/domain/candidate/decision-letters';
import { NOT_EVALUATED_WORDING, NotEvaluated } from '@app/domain/candidate/session-block';
import { IssuedLetter } from '@app/domain/candidate/candidate';
import { WITHHELD } from '@app/platform/personal-data/identity-view';
import { ERASED } from '@app/platform/personal-data/vault';
import { CandidateRecordView, JuryRecordView } from '../read-record/jury-record-reader';
import { openFrenchPdf } from '../../http/french-pdf';
import { frenchDate, frenchDateTime } from '../read-record/record-pdf';

/**
 * What a decision letter says, cut to what its reader may see: the record of
 * the jury (JuryRecordReader, already cut per reader) for one candidate, the
 * identity as the reader may see it, and the letter's first issue (null while
 * it was not issued: a regulator's read never issues it).
 */
export interface DecisionLetter {
  juryId: string;
  certifier: string | null;
  certification: { code: string | null; title: string | null; level: number | null };
  session: { title: string | null; startsOn: string | null; endsOn: string | null };
  closedAt: string | null;
  revises: { juryId: string; reason: string } | null;
  candidate: { candidateId: string; pseudonym: string; erased: boolean; name: string | null; email: string | null };
  /** `notEvaluated`: why the block was not evaluated in that session (absence, annulment), null when it was. */
  blocks: Array<{ block: string; title: string | null; decision: string | null; motivation: string | null; notEvaluated: NotEvaluated | null }>;
  awards: Array<{ certificationCode: string; awardedOn: string; withdrawn: boolean }>;
  withdrawals: Array<{ certificationCode: string }>;
  sealHash: string;
  keyFingerprint: string | null;
  issue: IssuedLetter | null;
}

/** The identity a letter is addressed with: the name and the email (the only address the file holds), or nothing for pseudonym readers. */
export interface LetterAddressee {
  name: string | null;
  email: string | null;
}

const shown = (text: string | null) => (text === null || text === WITHHELD ? null : text);

export function letterOfRecord(record: JuryRecordView, candidate: CandidateRecordView, addressee: LetterAddressee, issue: IssuedLetter | null): DecisionLetter {
  return {
    juryId: record.juryId,
    certifier: record.certification.certifier,
    certification: { code: record.certification.code, title: record.certification.title, level: record.certification.level },
    session: { title: record.session.title, startsOn: record.session.startsOn, endsOn: record.session.endsOn },
    closedAt: record.closedAt,
    revises: record.revises ? { juryId: record.revises.juryId, reason: record.revises.reason } : null,
    candidate: { candidateId: candidate.candidateId, pseudonym: candidate.pseudonym, erased: candidate.erased, name: candidate.erased ? null : addressee.name, email: candidate.erased ? null : addressee.email },
    blocks: candidate.blocks.map((b) => ({ block: b.block, title: b.title, decision: b.decision, motivation: shown(b.motivation), notEvaluated: b.notEvaluated ?? null })),
    awards: candidate.awards.filter((a) => a.awardedOn).map((a) => ({ certificationCode: a.certificationCode, awardedOn: a.awardedOn, withdrawn: a.withdrawn !== null })),
    withdrawals: candidate.withdrawals.map((w) => ({ certificationCode: w.certificationCode })),
    sealHash: record.sealHash!,
    keyFingerprint: record.keyFingerprint,
    issue,
  };
}

/**
 * French labels of the jury's decisions. A value this table does not know
 * (one a later version of the domain adds) is printed as a plain label rather
 * than dropped: hyphens become spaces.
 */
const DECISION: Record<string, string> = {
  validated: 'validé',
  'not-validated': 'non validé',
  deferred: 'décision différée',
  'not-evaluated': 'non évalué',
};
export const decisionLabel = (decision: string | null): string => (decision === null ? 'non délibéré' : DECISION[decision] ?? decision.replace(/-/g, ' '));
const REASON: Record<string, string> = { 'material-error': 'erreur matérielle', appeal: 'recours' };

/** The RNCP code of a block: the certification's code followed by the block's (RNCP00000BC01). */
export const rncpBlockCode = (certificationCode: string | null, block: string): string => (certificationCode && !block.startsWith('RNCP') ? `${certificationCode}${block}` : block);

/** The routes of appeal, worded once: the letter prints them and the tests read them back. */
export function appealParagraphs(certifier: string | null, issuedAt: string | null): string[] {
  const who = certifier ? `au certificateur, ${certifier},` : 'au certificateur';
  const months = APPEAL_MONTHS === 2 ? 'deux mois' : `${APPEAL_MONTHS} mois`;
  const out = [
    `Vous pouvez contester cette décision par un recours gracieux adressé par écrit ${who} dans un délai de ${months} à compter de la notification de la présente lettre.`,
  ];
  if (issuedAt) out.push(`Pour une notification le jour de son émission (${frenchDate(parisDay(issuedAt))}), ce délai expire le ${frenchDate(appealDeadline(issuedAt))}.`);
  out.push('Saisi d’un recours, le certificateur peut réunir à nouveau le jury en une délibération de révision.');
  out.push(
    `Un recours contentieux peut en outre être porté devant la juridiction compétente dans un délai de ${months} à compter de la notification de la présente décision ou, en cas de recours gracieux, de la réponse qui y est apportée.`,
  );
  return out;
}

/**
 * The letter as a one- or two-page PDF/A (same fonts and conventions as the
 * procès-verbal): the certifier, the addressee, the date of issue, the
 * decisions per block with the motivation where the reader may read it, the
 * award, the routes and deadlines of appeal, and the record's seal hash in
 * every page's footer. Same letter and issue → same bytes.
 */
export function renderLetterPdf(letter: DecisionLetter): Promise<Buffer> {
  const stamp = new Date(letter.issue?.issuedAt ?? letter.closedAt ?? '2000-01-01T00:00:00Z');
  const cert = letter.certification;
  const { doc, left, width, para, finish } = openFrenchPdf(
    {
      Title: `Notification de la décision du jury — ${cert.title ?? cert.code ?? ''}`,
      Author: letter.certifier ?? 'certificateur',
      Subject: `Jury ${letter.juryId}, candidat ${letter.candidate.candidateId}`,
      Keywords: `sceau ${letter.sealHash}`,
      CreationDate: stamp,
      ModDate: stamp,
    },
    { top: 55, bottom: 70, left: 60, right: 60 },
  );
  const gap = (lines = 0.6) => doc.moveDown(lines);

  // The sender, then the addressee on the right, as a window envelope reads them.
  para(letter.certifier ?? 'Le certificateur', 0, 'bold', 13);
  para(`Certificateur de la certification professionnelle ${cert.title ?? ''}`.trim(), 0, 'regular', 9);
  para(`${cert.code ?? ''}${cert.level ? ` — niveau ${cert.level} du cadre national des certifications professionnelles` : ''}`, 0, 'regular', 9);
  gap(1.2);
  const c = letter.candidate;
  const addressee = c.erased ? ['Données personnelles effacées'] : c.name ? [c.name, ...(c.email ? [c.email] : [])] : [`Candidat ${c.pseudonym}`];
  const column = left + width / 2;
  for (const line of addressee) doc.font('regular').fontSize(10.5).text(line, column, doc.y, { width: width / 2 });
  // The candidate id is the mail-merge key: small, on one line.
  doc.font('regular').fontSize(7.5).text(`Référence : ${c.candidateId}`, column, doc.y, { width: width / 2 });
  gap(1.2);
  para(letter.issue ? `Le ${frenchDate(parisDay(letter.issue.issuedAt))}` : 'Lettre non encore émise par le certificateur (aucune date de notification).', 0, letter.issue ? 'regular' : 'bold', 10.5, { align: letter.issue ? 'right' : 'left' });
  gap(1);
  para(`Objet : notification de la décision du jury de certification${letter.session.title ? ` — ${letter.session.title}` : ''}`, 0, 'bold');
  gap(1);
  para('Madame, Monsieur,');
  gap(0.5);
  const sessionDates = letter.session.startsOn ? ` (du ${frenchDate(letter.session.startsOn)} au ${frenchDate(letter.session.endsOn)})` : '';
  para(
    `Le jury de certification de la session « ${letter.session.title ?? '—'} »${sessionDates} a délibéré et clos sa délibération le ${frenchDateTime(letter.closedAt).replace(/ à .*/, '')}. ` +
      'Ses décisions vous concernant, consignées dans le procès-verbal de délibération scellé, sont les suivantes.',
    0,
    'regular',
    10.5,
    { align: 'justify' },
  );
  if (letter.revises) {
    gap(0.4);
    para(`Cette délibération est une délibération de révision (motif : ${REASON[letter.revises.reason] ?? letter.revises.reason.replace(/-/g, ' ')}) ; elle remplace, pour les blocs qu’elle a délibérés, les décisions de la délibération précédente (jury ${letter.revises.juryId}).`, 0, 'regular', 10, { align: 'justify' });
  }
  gap(0.6);
  para('Décisions du jury par bloc de compétences', 0, 'bold', 11.5);
  gap(0.3);
  for (const b of letter.blocks) {
    para(`${rncpBlockCode(cert.code, b.block)}${b.title ? ` — ${b.title}` : ''}`, 10, 'bold', 10);
    // A block the candidate was not evaluated on says so: "non validé" alone would read as a failed evaluation.
    if (b.notEvaluated) para(`Évaluation : ${NOT_EVALUATED_WORDING[b.notEvaluated]}`, 20, 'regular', 10);
    para(`Décision : ${decisionLabel(b.decision)}`, 20, 'regular', 10);
    if (b.motivation) para(`Motivation du jury : ${b.motivation === ERASED ? 'effacée' : b.motivation}`, 20, 'regular', 10);
    gap(0.3);
  }
  gap(0.3);
  const awarded = letter.awards.filter((a) => !a.withdrawn);
  for (const a of awarded) {
    para(`Au vu de ces décisions, la certification professionnelle ${cert.title ? `« ${cert.title} » ` : ''}(${a.certificationCode}) vous est délivrée à la date du ${frenchDate(a.awardedOn)}.`, 0, 'bold', 10.5);
  }
  for (const w of letter.withdrawals) para(`La certification ${w.certificationCode} qui vous avait été délivrée vous est retirée par cette délibération de révision.`, 0, 'bold', 10.5);
  if (awarded.length === 0 && letter.withdrawals.length === 0) {
    const validated = letter.blocks.some((b) => b.decision === 'validated');
    para(
      `La certification professionnelle ne vous est pas délivrée à l’issue de cette délibération.${validated ? ' Les blocs de compétences validés vous restent acquis et peuvent être complétés lors d’une session ultérieure.' : ''}`,
      0,
      'regular',
      10.5,
      { align: 'justify' },
    );
  }
  gap(0.8);
  para('Voies et délais de recours', 0, 'bold', 11.5);
  gap(0.3);
  for (const p of appealParagraphs(letter.certifier, letter.issue?.issuedAt ?? null)) {
    para(p, 0, 'regular', 10, { align: 'justify' });
    gap(0.25);
  }
  gap(1);
  para('Pour le certificateur,', column - left);
  para(letter.certifier ?? '', column - left);
  gap(1.2);
  para('Empreinte SHA-256 du procès-verbal scellé sur lequel repose cette décision :', 0, 'regular', 8);
  para(letter.sealHash, 0, 'mono', 8);
  para(`Jury ${letter.juryId}${letter.keyFingerprint ? ` — clé de scellement ${letter.keyFingerprint}` : ''}`, 0, 'regular', 7.5);

  return finish([`Sceau SHA-256 du procès-verbal : ${letter.sealHash}`], 20);
}
