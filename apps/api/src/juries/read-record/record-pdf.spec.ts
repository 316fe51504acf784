import { writeFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { PDFParse } from 'pdf-parse';
import type { BlockRecord } from '@app/domain/jury/record';
import { CandidateRecordView, JuryRecordView } from './jury-record-reader';
import { count, frenchDate, frenchDateTime, outcome, renderRecordPdf } from './record-pdf';

const SEAL = 'ab'.repeat(32);
const KEY = `sha256:${'cd'.repeat(32)}`;

function block(code: string, decision: BlockRecord['decision'], extra: Partial<BlockRecord> = {}): BlockRecord {
  return {
    block: code,
    title: `Titre du bloc ${code}, assez long pour passer à la ligne dans le procès-verbal et montrer le retrait des lignes suivantes`,
    proposal: decision === 'validated' ? 'acquired' : 'not-acquired',
    notEvaluated: null,
    attempt: 1,
    decision,
    motivation: null,
    decidedAt: decision ? '2026-06-30T16:05:00.000Z' : null,
    earlier: [],
    deferred: decision === 'deferred',
    criteria: { total: 3, scored: decision ? 3 : 1, acquired: decision === 'validated' ? 3 : 1, neutralised: 0 },
    neutralised: [],
    ...extra,
  };
}

function candidate(id: string, name: string | null, blocks: BlockRecord[], extra: Record<string, unknown> = {}): CandidateRecordView {
  return { candidateId: id, name, pseudonym: `C-${id.toUpperCase()}`, erased: name === null, recusedMembers: [], blocks, frauds: [], accommodations: [], awards: [], withdrawals: [], ...extra } as CandidateRecordView;
}

function record(overrides: Partial<JuryRecordView> = {}): JuryRecordView {
  return {
    juryId: 'j-1',
    status: 'closed',
    session: { sessionId: 's-1', title: 'Session de juin 2026', startsOn: '2026-06-01', endsOn: '2026-06-30' },
    certification: { referentialId: 'r-1', code: 'RNCP00000', title: 'Manager marketing et commercial', level: 7, certifier: 'CDE FEDE FRANCE', version: 1, validationRule: 'all-criteria' },
    revises: null,
    convenedAt: '2026-06-30T07:00:00.000Z',
    openedAt: '2026-06-30T07:30:00.000Z',
    closedAt: '2026-11-29T18:54:13.882Z',
    members: [
      { userId: 'pres', name: 'Claire Petit', president: true, professional: false, present: true },
      { userId: 'pro', name: 'Marc Leroy', president: false, professional: true, present: true },
    ],
    recusals: [],
    designations: [],
    candidates: [
      candidate('c-3', 'Zoé Martin', [block('BC01', 'validated'), block('BC02', 'not-validated')]),
      candidate('c-1', 'Camille Durand', [block('BC01', 'validated'), block('BC02', 'validated')], { certified: true }),
      candidate('c-2', 'Hugo Bernard', [block('BC01', null), block('BC02', null)]),
      candidate('c-4', 'Inès Roux', [
        block('BC01', 'not-validated'),
        block('BC02', 'validated', {
          criteria: { total: 3, scored: 2, acquired: 2, neutralised: 1 },
          neutralised: [{ criterion: 'CE2.3', text: 'Présentation orale', opinionId: 'o-1', opinion: { criteria: ['CE2.3'], motivation: 'présentation orale sans objet', givenBy: 'ref-1', givenAt: '2026-06-02T08:15:00.000Z' } as never }],
        }),
      ]),
    ],
    sealHash: SEAL,
    signature: 'ef'.repeat(44),
    keyFingerprint: KEY,
    sealVerification: null,
    approvals: [
      { memberId: 'pro', name: 'Marc Leroy', president: false, approvedAt: '2026-11-30T08:05:00.000Z', sealHash: SEAL, comment: 'Relu, conforme aux débats.' },
      { memberId: 'pres', name: 'Claire Petit', president: true, approvedAt: '2026-11-30T09:40:00.000Z', sealHash: SEAL, comment: null },
    ],
    approvalStatus: 'approved',
    final: true,
    ...overrides,
  };
}

async function textOf(pdf: Buffer): Promise<{ text: string; pages: string[] }> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  const result = await parser.getText();
  await parser.destroy();
  return { text: result.text.replace(/\s+/g, ' '), pages: result.pages.map((p: { text: string }) => p.text.replace(/\s+/g, ' ')) };
}

describe('French wording', () => {
  it('writes dates out in French, in Paris time, with "1er" for the first of the month', () => {
    expect(frenchDateTime('2026-11-29T18:54:13.882Z')).toBe('29 novembre 2026 à 19 h 54'); // UTC+1 in winter
    expect(frenchDateTime('2026-06-30T16:05:00Z')).toBe('30 juin 2026 à 18 h 05'); // UTC+2 in summer
    expect(frenchDateTime('2026-06-30T22:30:00Z')).toBe('1er juillet 2026 à 0 h 30');
    expect(frenchDate('2026-06-01')).toBe('1er juin 2026');
  });
  it('puts 0 and 1 in the singular', () => {
    expect(count(0, 'critère neutralisé', 'critères neutralisés')).toBe('0 critère neutralisé');
    expect(count(1, 'critère neutralisé', 'critères neutralisés')).toBe('1 critère neutralisé');
    expect(count(2, 'critère neutralisé', 'critères neutralisés')).toBe('2 critères neutralisés');
  });
  it('gives each candidate one outcome: certifié, blocs validés, non validé or non délibéré', () => {
    const r = record();
    const by = (id: string) => outcome(r.candidates.find((c) => c.candidateId === id)!, true);
    expect(by('c-1')).toBe('certifié(e)');
    expect(by('c-3')).toBe('bloc validé : BC01 (non validé : BC02)');
    expect(by('c-2')).toBe('non délibéré');
    expect(outcome(candidate('x', 'X Y', [block('BC01', 'not-validated')]), true)).toBe('non validé');
    expect(outcome(candidate('x', 'X Y', [block('BC01', null)]), false)).toBe('non encore délibéré');
  });
  it('lists a block not evaluated as such, not again as "non validé"', () => {
    const absent = block('BC02', 'not-validated', { proposal: 'not-evaluated', notEvaluated: 'absence-justified' });
    expect(outcome(candidate('x', 'X Y', [block('BC01', 'validated'), absent]), true)).toBe('bloc validé : BC01 (non évalué : BC02)');
  });
});

describe('the procès-verbal of a resit, an absence and a fraud', () => {
  it('prints the attempt, "Non évalué — …" without criteria counts, and the fraud with the jury’s decision', async () => {
    const fraud = {
      reportId: 'f-1',
      blocks: ['BC02'],
      reportedBy: 'assessor-1',
      reportedAt: '2026-06-12T08:00:00.000Z',
      description: '[withheld]',
      decision: { juryId: 'j-1', outcome: 'ban' as const, banUntil: '2027-06-30', motivation: 'fraude établie', decidedAt: '2026-06-30T16:00:00.000Z' },
    };
    const candidates = [
      candidate('c-7', 'Léa Absente', [block('BC01', 'not-validated', { proposal: 'not-evaluated', notEvaluated: 'absence-unjustified' })]),
      candidate('c-8', 'Noé Fraudeur', [block('BC02', 'not-validated', { proposal: 'not-evaluated', notEvaluated: 'evaluation-annulled', attempt: 2 })], { frauds: [fraud] }),
    ];
    const { text } = await textOf(await renderRecordPdf(record({ candidates }), { place: 'Lyon' }));
    expect(text).toContain('Proposition : Non évalué — absence non justifiée');
    expect(text).toContain('Proposition : Non évalué — évaluation annulée pour fraude');
    expect(text).toContain('Tentative n° 2');
    expect(text).toMatch(/Fraude signalée par assessor-1 le 12 juin 2026 à 10 h 00 \(blocs BC02\) : non communiqué/);
    expect(text).toMatch(/annulation de l’évaluation et interdiction de se présenter\s+jusqu’au 30 juin 2027/);
    expect(text).not.toContain('[withheld]');
    expect(text).not.toMatch(/Proposition : non acquis/);
  });
});

describe('the procès-verbal PDF', () => {
  let pdf: Buffer;
  let text: string;
  let pages: string[];
  beforeAll(async () => {
    pdf = await renderRecordPdf(record(), { place: 'Lyon' });
    ({ text, pages } = await textOf(pdf));
    if (process.env.PV_SAMPLE) writeFileSync(process.env.PV_SAMPLE, pdf);
  });

  it('names the certification, its RNCP code and level, the session and the jury times in Paris', () => {
    for (const expected of [
      'Manager marketing et commercial',
      'Code RNCP : RNCP00000 — niveau 7',
      'Session de juin 2026, du 1er juin 2026 au 30 juin 2026',
      'Délibération close et scellée le 29 novembre 2026 à 19 h 54',
      'Délibération ouverte le 30 juin 2026 à 9 h 30',
    ]) expect(text).toContain(expected);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/); // no raw timestamps
    expect(text).not.toContain('all-criteria');
  });

  it('lists one result line per candidate, sorted by family name', () => {
    const lines = ['Hugo Bernard — non délibéré', 'Camille Durand — certifié(e)', 'Zoé Martin — bloc validé : BC01 (non validé : BC02)', 'Inès Roux — bloc validé : BC02 (non validé : BC01)'];
    const at = lines.map((l) => text.indexOf(l));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('says "non délibéré", never "non encore décidé", for an undecided block of a sealed record', () => {
    expect(text).toContain('Décision du jury : non délibéré');
    expect(text).not.toContain('non encore');
  });

  it('gets French plurals right', () => {
    expect(text).toContain('1 neutralisé');
    expect(text).toContain('0 neutralisé)');
    expect(text).toContain('3 critères');
    expect(text).not.toMatch(/\b[01] (critères|évalués|neutralisés)\b/);
  });

  it('shows a neutralisation with the referent and the date of the opinion', () => {
    expect(text).toContain('Critère neutralisé CE2.3 : Présentation orale');
    expect(text).toContain('sur l’avis motivé du référent handicap de ref-1 du 2 juin 2026 à 10 h 15');
  });

  it('ends with "Fait à … le …" and a signature block per member', () => {
    expect(text).toContain('Fait à Lyon, le 29 novembre 2026.');
    expect(text).toContain('Claire Petit, président(e) du jury Signature :');
    expect(text).toContain('Marc Leroy, membre du jury Signature :');
  });

  it('prints the seal hash and the key fingerprint in the footer of every page', () => {
    expect(pages.length).toBeGreaterThanOrEqual(2);
    pages.forEach((page, i) => {
      expect(page).toContain(`Sceau SHA-256 : ${SEAL}`);
      expect(page).toContain(`Clé : ${KEY}`);
      expect(page).toContain(`page ${i + 1} / ${pages.length}`);
    });
  });

  it('is PDF/A-2b with every font embedded', () => {
    const raw = pdf.toString('latin1');
    expect(raw.startsWith('%PDF-1.7')).toBe(true);
    const xmp = [...raw.matchAll(/stream\r?\n([\s\S]*?)endstream/g)]
      .map((m) => Buffer.from(m[1], 'latin1'))
      .map((b) => {
        try {
          return inflateSync(b).toString('utf8');
        } catch {
          return b.toString('utf8');
        }
      })
      .find((s) => s.includes('pdfaid:part'));
    expect(xmp).toMatch(/pdfaid:part>2</);
    expect(xmp).toMatch(/pdfaid:conformance>B</);
    expect(raw).toContain('/OutputIntents');
    const fonts = [...raw.matchAll(/\/Type \/FontDescriptor[\s\S]*?>>/g)].map((m) => m[0]);
    expect(fonts.length).toBeGreaterThanOrEqual(2);
    for (const f of fonts) expect(f).toMatch(/\/FontFile2/);
    expect(raw).not.toMatch(/\/BaseFont \/Helvetica/);
  });

  it('lists the members’ approvals of the sealed record with their times in Paris, and says the record is final', () => {
    expect(text).toContain('Approbation du procès-verbal scellé');
    const lines = [
      'Approuvé par Marc Leroy, membre du jury, le 30 novembre 2026 à 9 h 05 — observation : Relu, conforme aux débats.',
      'Approuvé par Claire Petit, président(e) du jury, le 30 novembre 2026 à 10 h 40',
      'Procès-verbal définitif : approuvé par le (la) président(e) du jury.',
    ];
    const at = lines.map((l) => text.indexOf(l));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('says a sealed record awaits the president’s approval, names who has not approved, and never prints a withheld comment', async () => {
    const awaiting = await textOf(
      await renderRecordPdf(
        record({
          approvals: [{ memberId: 'pro', name: 'Marc Leroy', president: false, approvedAt: '2026-11-30T08:05:00.000Z', sealHash: SEAL, comment: '[withheld]' }],
          approvalStatus: 'awaiting-president',
          final: false,
        }),
        {},
      ),
    );
    expect(awaiting.text).toContain('Approuvé par Marc Leroy, membre du jury, le 30 novembre 2026 à 9 h 05 — observation : non communiqué');
    expect(awaiting.text).toContain('En attente de : Claire Petit');
    expect(awaiting.text).toContain('En attente de l’approbation du (de la) président(e) du jury : le procès-verbal n’est pas encore définitif');
    expect(awaiting.text).not.toContain('[withheld]');
    const none = await textOf(await renderRecordPdf(record({ approvals: [], approvalStatus: 'awaiting-president', final: true }), {}));
    expect(none.text).toContain('Aucun membre n’a encore approuvé le procès-verbal scellé.');
    expect(none.text).toContain('Procès-verbal définitif dès son scellement');
  });

  it('marks an open deliberation as not sealed on every page', async () => {
    const open = await textOf(await renderRecordPdf(record({ status: 'open', closedAt: null, sealHash: null, signature: null, keyFingerprint: null }), {}));
    expect(open.text).toContain('ce procès-verbal n’est pas scellé');
    expect(open.text).toContain('Fait à ____________________');
    for (const page of open.pages) expect(page).toContain('Procès-verbal non scellé');
    expect(open.text).not.toContain('Approbation du procès-verbal');
  });
});
