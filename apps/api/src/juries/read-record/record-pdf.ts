import PDFDocument from 'pdfkit';
import { JuryRecordView } from './jury-record-reader';

const STATUS: Record<string, string> = { convened: 'jury convoqué, délibération non ouverte', open: 'délibération ouverte', closed: 'délibération close et scellée' };
const PROPOSAL: Record<string, string> = { acquired: 'acquis', 'not-acquired': 'non acquis', incomplete: 'incomplet' };
const DECISION: Record<string, string> = { validated: 'validé', 'not-validated': 'non validé', deferred: 'différé' };
const REASON: Record<string, string> = { 'material-error': 'erreur matérielle', appeal: 'recours' };
const ACCOMMODATION: Record<string, string> = {
  'extra-time': 'temps majoré',
  assistant: 'assistance humaine',
  'adapted-communication': 'communication adaptée',
  'adapted-equipment': 'matériel adapté',
  'personal-equipment': 'matériel personnel',
  other: 'autre aménagement',
};
export const ERASED_LABEL = 'effacé';

/**
 * The procès-verbal de délibération in French, from the same record JSON the
 * API answers. Standard PDF fonts (WinAnsi) cover French; the seal hash and
 * signature are printed in a monospaced face on one line each so they can be
 * copied and checked.
 */
export function renderRecordPdf(record: JuryRecordView): Promise<Buffer> {
  const stamp = new Date(record.closedAt ?? record.convenedAt ?? '2000-01-01T00:00:00Z');
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `Procès-verbal de délibération — jury ${record.juryId}`, Author: record.certification.certifier ?? 'certificateur', CreationDate: stamp, ModDate: stamp },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const heading = (text: string) => doc.moveDown(0.6).font('Helvetica-Bold').fontSize(12).text(text).font('Helvetica').fontSize(10).moveDown(0.2);
  const line = (text: string, indent = 0) => doc.font('Helvetica').fontSize(10).text(text, { indent });
  const cert = record.certification;

  doc.font('Helvetica-Bold').fontSize(16).text('Procès-verbal de délibération du jury', { align: 'center' });
  doc.moveDown(0.3).font('Helvetica').fontSize(10).text(cert.certifier ?? '', { align: 'center' });

  heading('Certification');
  line(`${cert.code ?? '?'} — ${cert.title ?? ''}${cert.level ? ` (niveau ${cert.level})` : ''}`);
  line(`Version du référentiel : ${cert.version} (référentiel ${cert.referentialId}), règle de validation : ${cert.validationRule ?? '?'}`);

  heading('Session');
  line(`${record.session.title ?? record.session.sessionId} — du ${record.session.startsOn ?? '?'} au ${record.session.endsOn ?? '?'}`);
  line(`Identifiant de session : ${record.session.sessionId}`);

  heading('Jury');
  line(`Jury ${record.juryId} — ${STATUS[record.status] ?? record.status}`);
  if (record.convenedAt) line(`Convoqué le ${record.convenedAt}${record.openedAt ? `, délibération ouverte le ${record.openedAt}` : ''}${record.closedAt ? `, close le ${record.closedAt}` : ''}`);
  if (record.revises) {
    line(`Délibération de révision du jury ${record.revises.juryId}, motif : ${REASON[record.revises.reason] ?? record.revises.reason}${record.revises.appealId ? ` (recours ${record.revises.appealId})` : ''}`);
  }

  heading('Membres du jury et présence');
  for (const m of record.members) {
    const role = m.president ? 'président(e) du jury' : 'membre';
    line(`• ${m.name} (${m.userId}) — ${role}${m.professional ? ', professionnel(le) du secteur' : ''} — ${m.present ? 'présent(e)' : 'absent(e)'}`, 10);
  }

  heading('Déports (conflits d’intérêts)');
  if (record.recusals.length === 0) line('Aucun membre ne s’est déporté.');
  for (const r of record.recusals) line(`• ${r.name} s’est déporté(e) pour le candidat ${r.candidateId} : ${r.reason}`, 10);
  for (const d of record.designations) line(`• Président(e) suppléant(e) désigné(e) : ${d.name} (${d.userId})${d.previousUserId ? `, en remplacement de ${d.previousUserId}` : ''}${d.designatedAt ? `, le ${d.designatedAt}` : ''}`, 10);

  heading('Décisions par candidat et par bloc');
  if (record.candidates.length === 0) line('Aucun candidat délibéré.');
  for (const c of record.candidates) {
    doc.moveDown(0.4).font('Helvetica-Bold').fontSize(11).text(`Candidat : ${c.erased || !c.name ? ERASED_LABEL : c.name} (${c.candidateId})`);
    if (c.recusedMembers.length) line(`Membres déportés pour ce candidat : ${c.recusedMembers.join(', ')}`);
    for (const b of c.blocks) {
      doc.font('Helvetica-Bold').fontSize(10).text(`Bloc ${b.block}${b.title ? ` — ${b.title}` : ''}`, { indent: 10 });
      line(`Proposition : ${PROPOSAL[b.proposal] ?? b.proposal} (critères : ${b.criteria.scored} évalués, ${b.criteria.acquired} acquis, ${b.criteria.neutralised} neutralisés, sur ${b.criteria.total})`, 20);
      for (const e of b.earlier) line(`Décision antérieure dans cette délibération : ${DECISION[e.decision] ?? e.decision}${e.decidedAt ? ` (le ${e.decidedAt})` : ''}`, 20);
      line(`Décision du jury : ${b.decision ? DECISION[b.decision] : 'non encore décidé'}${b.decidedAt ? ` (le ${b.decidedAt})` : ''}`, 20);
      line(`Motivation : ${b.motivation ?? '—'}`, 20);
      for (const n of b.neutralised) {
        line(`Critère neutralisé ${n.criterion}${n.text ? ` (${n.text})` : ''}`, 20);
        line(`Avis motivé du référent handicap (${n.opinionId}) : ${n.opinion ? n.opinion.motivation ?? ERASED_LABEL : 'avis introuvable'}`, 30);
      }
    }
    for (const a of c.awards) {
      doc.font('Helvetica-Bold').fontSize(10).text(`Certification ${a.certificationCode} délivrée le ${a.awardedOn}${a.withdrawn ? ' (retirée depuis par révision)' : ''}`, { indent: 10 });
      for (const b of a.blocks) {
        const from = b.byEquivalence ? ` par équivalence du bloc ${b.byEquivalence.block} (référentiel ${b.byEquivalence.referentialId ?? '?'})` : '';
        line(`Bloc ${b.block} validé${b.validatedOn ? ` le ${b.validatedOn}` : ''}${from}, jury ${b.juryId}`, 20);
      }
    }
    for (const w of c.withdrawals) line(`Certification ${w.certificationCode} retirée par cette délibération de révision (motif : ${REASON[w.reason] ?? w.reason})`, 10);
    if (c.accommodations.length === 0) line('Aménagements accordés : aucun', 10);
    for (const a of c.accommodations) {
      const kinds = a.types.map((t) => (t === 'extra-time' && a.extraTimePercent !== null ? `${ACCOMMODATION[t]} de ${a.extraTimePercent} %` : ACCOMMODATION[t] ?? t)).join(', ');
      line(`Aménagement accordé : ${kinds}${a.reason ? ` (${a.reason})` : ''}`, 10);
      if (a.applied.length === 0) line('Appliqué : aucune application enregistrée pour cette session', 20);
      for (const x of a.applied) line(`Appliqué lors de : ${x.evaluation}${x.note ? ` — ${x.note}` : ''}`, 20);
    }
  }

  heading('Sceau');
  if (record.sealHash && record.signature) {
    line('Empreinte SHA-256 du contenu scellé (JSON canonique RFC 8785) :');
    doc.font('Courier').fontSize(8).text(record.sealHash);
    line('Signature Ed25519 du certificateur :');
    doc.font('Courier').fontSize(7).text(record.signature);
    line(`Empreinte de la clé : ${record.keyFingerprint ?? '?'}`);
    if (record.sealVerification) line(`Vérification à la lecture : contenu ${record.sealVerification.intact ? 'intègre' : 'NON CONFORME au sceau'}${record.sealVerification.signatureValid === null ? '' : `, signature ${record.sealVerification.signatureValid ? 'valide' : 'INVALIDE'}`}`);
  } else {
    line('Délibération non close : procès-verbal non scellé.');
  }
  if (record.asOf || record.atPosition !== undefined) line(`État du procès-verbal ${record.asOf ? `au ${record.asOf}` : ''}${record.atPosition !== undefined ? ` à la position ${record.atPosition} du journal` : ''}`);

  doc.end();
  return done;
}
