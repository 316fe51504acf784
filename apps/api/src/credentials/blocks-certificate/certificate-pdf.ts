import { pdfInfoOf, SignedAttestation } from '@app/proof/attestation';
import { openFrenchPdf } from '../../http/french-pdf';
import { frenchDate } from '../../juries/read-record/record-pdf';
import { BlocksAttestation } from './blocks-attestation';

/**
 * The certificate of blocks as a PDF/A (the procès-verbal's fonts and
 * conventions): the certifier, the holder as the reader may see them, per
 * certification its RNCP code, title and level and each block in force with
 * the deliberation that validated it; then the hash, the signature and the
 * key fingerprint, printed and in the document information dictionary with
 * the attested content itself (libs/proof/src/attestation.js reads them back
 * and checks them offline). Dated by the latest validating deliberation, so
 * the same content gives the same bytes.
 */
export function renderCertificatePdf(content: BlocksAttestation, signed: SignedAttestation): Promise<Buffer> {
  const dates = content.certifications.flatMap((c) => c.blocks.map((b) => b.validatedOn ?? '')).filter(Boolean).sort();
  const latest = dates[dates.length - 1] ?? null;
  const stamp = new Date(`${latest ?? '2000-01-01'}T12:00:00Z`);
  const { doc, para, finish } = openFrenchPdf(
    {
      Title: 'Attestation de blocs de compétences acquis',
      Author: content.certifier ?? 'certificateur',
      Subject: `Candidat ${content.holder.candidateId}`,
      Keywords: `empreinte ${signed.hash}`,
      CreationDate: stamp,
      ModDate: stamp,
      ...pdfInfoOf(signed),
    } as PDFKit.DocumentInfo,
    { top: 55, bottom: 70, left: 60, right: 60 },
  );

  para(content.certifier ?? 'Le certificateur', 0, 'bold', 13);
  doc.moveDown(1.5);
  para('Attestation de blocs de compétences acquis', 0, 'bold', 17, { align: 'center' });
  doc.moveDown(1.2);
  const h = content.holder;
  const holder =
    'erased' in h
      ? 'au titulaire dont les données personnelles ont été effacées'
      : 'pseudonym' in h
        ? `au candidat ${h.pseudonym}`
        : `à ${h.givenName} ${(h.usageName ?? h.familyName).toUpperCase()}${h.usageName && h.usageName !== h.familyName ? ` (nom de naissance : ${h.familyName.toUpperCase()})` : ''}, né(e) le ${frenchDate(h.birthDate)}`;
  para(
    `${content.certifier ?? 'Le certificateur'}, certificateur, atteste que les blocs de compétences ci-dessous ont été validés ${holder} par le jury de certification, ` +
      'd’après les procès-verbaux de délibération scellés et définitifs, et qu’ils sont acquis à la date de la dernière délibération prise en compte.',
    0,
    'regular',
    10.5,
    { align: 'justify' },
  );
  para(`Référence du candidat : ${h.candidateId}`, 0, 'regular', 8);

  for (const c of content.certifications) {
    doc.moveDown(1);
    para(c.title, 0, 'bold', 12);
    para(`Certification professionnelle enregistrée au RNCP sous le code ${c.code}${c.level ? `, niveau ${c.level} du cadre national des certifications professionnelles` : ''}`, 0, 'regular', 9.5);
    doc.moveDown(0.5);
    for (const b of c.blocks) {
      para(`${b.rncpCode} — ${b.title}`, 10, 'bold', 10.5);
      const session = b.sessionTitle ? `session « ${b.sessionTitle} »` : `session ${b.sessionId}`;
      para(`Validé par le jury de la ${session}, délibération close le ${frenchDate(b.validatedOn)}${b.byEquivalence ? `, par équivalence du bloc ${b.byEquivalence}` : ''}.`, 20, 'regular', 10);
      if (b.validUntil) para(`Acquis jusqu’au ${frenchDate(b.validUntil)} (durée de validité fixée par le référentiel).`, 20, 'regular', 10);
      para(`Jury ${b.juryId}${b.recordSealHash ? ` — sceau du procès-verbal ${b.recordSealHash}` : ''}`, 20, 'regular', 7);
      doc.moveDown(0.4);
    }
  }
  doc.moveDown(0.8);
  para(
    'Chaque bloc de compétences validé reste acquis, dans la limite de la durée de validité que fixe le cas échéant le référentiel, et peut être complété par la validation des autres blocs en vue de l’obtention de la certification.',
    0,
    'regular',
    9.5,
    { align: 'justify' },
  );
  doc.moveDown(0.8);
  para(`Dernière délibération prise en compte : ${frenchDate(latest)}.`, 0, 'regular', 10);

  doc.moveDown(1.2);
  para('Signature électronique du certificateur', 0, 'bold', 10.5);
  para('Empreinte SHA-256 du contenu attesté (JSON canonique RFC 8785) :', 0, 'regular', 8.5);
  para(signed.hash, 0, 'mono', 8);
  para('Signature Ed25519 :', 0, 'regular', 8.5);
  para(signed.signature, 0, 'mono', 7);
  para(`Empreinte de la clé : ${signed.keyFingerprint}`, 0, 'regular', 8.5);
  para('Le contenu attesté, l’empreinte, la signature et la clé publique sont joints aux métadonnées de ce document : npm run -s cli -- certificate verify <fichier.pdf> les vérifie hors ligne.', 0, 'regular', 8);

  return finish([`Empreinte SHA-256 : ${signed.hash}`, `Clé : ${signed.keyFingerprint}`], 20);
}
