import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { PDFParse } from 'pdf-parse';
import { candidateSpec } from '@app/domain/candidate/candidate';
import { targetOf } from '@app/domain/candidate/outcome';
import { ReferentialDocument } from '@app/domain/referential/referential';
import { fold, RecordedEvent } from '@app/domain/shared/decider';
import { attestationOfPdf, signAttestation, verifyAttestation } from '@app/proof/attestation';
import { attestedCertifications, BlocksAttestation, DeliberationFacts } from './blocks-attestation';
import { renderCertificatePdf } from './certificate-pdf';

const block = (code: string, title: string) => ({ code, title, competences: [{ code: `C${code}`, title: 't', criteria: [{ code: `CE${code}`, text: 't', core: true }] }] });
const doc = (validityYears?: number): ReferentialDocument => ({
  code: 'RNCP00000',
  title: 'Manager marketing et commercial',
  level: 7,
  certifier: 'CDE FEDE FRANCE',
  validationRule: 'all-criteria',
  blocks: [block('BC01', 'Construire la stratégie'), block('BC02', 'Concevoir le plan d’action'), block('BC03', 'Piloter le plan d’action')],
  ...(validityYears !== undefined ? { validityYears } : {}),
});
const ev = (type: string, data: Record<string, unknown>, recordedAt = '2026-06-30T15:00:00.000Z'): RecordedEvent => ({ type, data: { candidateId: 'c-1', ...data }, recordedAt, eventId: `${type}-${JSON.stringify(data)}` });
const decided = (juryId: string, block: string, decision: string, revision = false) => ev('BlockDecisionRecorded', { juryId, sessionId: 's-1', block, decision, revision });
const outcomeOf = (...events: RecordedEvent[]) => fold(candidateSpec, [ev('CandidateEnrolled', { sessionId: 's-1', referentialId: 'r-1', blocks: ['BC01', 'BC02', 'BC03'] }), ...events]).outcome;
const facts = (final: boolean, closedAt = '2026-06-30T16:00:00.000Z'): DeliberationFacts => ({ final, closedAt, sealHash: 'ab'.repeat(32), sessionTitle: 'Session de juin 2026' });
const sources = (validityYears?: number) => [{ target: targetOf('r-1', 1, doc(validityYears)), document: doc(validityYears) }];
const NOW = '2026-12-01T00:00:00.000Z';

describe('certificate of blocks: the attested content', () => {
  it('lists the blocks validated on final records, in the referential’s order, with the deliberation that validated them', () => {
    const outcome = outcomeOf(decided('j-1', 'BC02', 'validated'), decided('j-1', 'BC01', 'validated'), decided('j-1', 'BC03', 'not-validated'));
    expect(attestedCertifications(outcome, sources(), { 'j-1': facts(true) }, NOW)).toEqual([
      {
        code: 'RNCP00000',
        title: 'Manager marketing et commercial',
        level: 7,
        blocks: ['BC01', 'BC02'].map((b) => ({
          rncpCode: `RNCP00000${b}`,
          block: b,
          title: b === 'BC01' ? 'Construire la stratégie' : 'Concevoir le plan d’action',
          juryId: 'j-1',
          sessionId: 's-1',
          sessionTitle: 'Session de juin 2026',
          validatedOn: '2026-06-30',
          recordSealHash: 'ab'.repeat(32),
          validUntil: null,
          byEquivalence: null,
        })),
      },
    ]);
  });

  it('leaves out decisions of records not final, blocks a revision took back, and blocks past their validity period', () => {
    const outcome = outcomeOf(decided('j-1', 'BC01', 'validated'), decided('j-1', 'BC02', 'validated'), decided('j-2', 'BC02', 'not-validated', true));
    expect(attestedCertifications(outcome, sources(), { 'j-1': facts(false) }, NOW)).toEqual([]);
    // The revision's record is not final yet: the first decision stands.
    expect(attestedCertifications(outcome, sources(), { 'j-1': facts(true), 'j-2': facts(false) }, NOW)[0].blocks.map((b) => b.block)).toEqual(['BC01', 'BC02']);
    expect(attestedCertifications(outcome, sources(), { 'j-1': facts(true), 'j-2': facts(true, '2026-09-01T10:00:00.000Z') }, NOW)[0].blocks.map((b) => b.block)).toEqual(['BC01']);
    const lasting = attestedCertifications(outcomeOf(decided('j-1', 'BC01', 'validated')), sources(5), { 'j-1': facts(true) }, NOW);
    expect(lasting[0].blocks[0].validUntil).toBe('2031-06-30');
    expect(attestedCertifications(outcomeOf(decided('j-1', 'BC01', 'validated')), sources(5), { 'j-1': facts(true) }, '2031-07-01T00:00:00.000Z')).toEqual([]);
  });

  it('renders a PDF that prints the blocks and carries the signed content, the same bytes for the same content', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const content: BlocksAttestation = {
      format: 'cert-blocks-attestation/1',
      certifier: 'CDE FEDE FRANCE',
      holder: { candidateId: 'c-1', givenName: 'Zoé', familyName: 'Lefèvre', usageName: 'Martin', birthDate: '1995-03-01' },
      certifications: attestedCertifications(outcomeOf(decided('j-1', 'BC01', 'validated'), decided('j-1', 'BC02', 'validated')), sources(5), { 'j-1': facts(true) }, NOW),
    };
    const signed = signAttestation(content, privateKey);
    const pdf = await renderCertificatePdf(content, signed);
    if (process.env.CERTIFICATE_SAMPLE) writeFileSync(process.env.CERTIFICATE_SAMPLE, pdf);
    expect(Buffer.compare(await renderCertificatePdf(content, signed), pdf)).toBe(0);
    expect(verifyAttestation(attestationOfPdf(pdf))).toMatchObject({ verified: true, content });
    const parser = new PDFParse({ data: new Uint8Array(pdf) });
    const text = (await parser.getText()).text.replace(/\s+/g, ' ');
    await parser.destroy();
    for (const expected of [
      'Attestation de blocs de compétences acquis',
      'à Zoé MARTIN (nom de naissance : LEFÈVRE), né(e) le 1er mars 1995',
      'RNCP00000BC01 — Construire la stratégie',
      'RNCP00000BC02 — Concevoir le plan d’action',
      'délibération close le 30 juin 2026',
      'Acquis jusqu’au 30 juin 2031',
      'niveau 7',
      signed.hash,
      signed.keyFingerprint,
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('BC03');
  });
});
