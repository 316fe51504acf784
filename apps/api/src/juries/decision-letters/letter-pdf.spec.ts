import { writeFileSync } from 'node:fs';
import { PDFParse } from 'pdf-parse';
import { appealDeadline } from '@app/domain/candidate/decision-letters';
import { appealParagraphs, decisionLabel, DecisionLetter, renderLetterPdf } from './letter-pdf';

const SEAL = 'ab'.repeat(32);

function letter(overrides: Partial<DecisionLetter> = {}): DecisionLetter {
  return {
    juryId: 'j-1',
    certifier: 'CDE FEDE FRANCE',
    certification: { code: 'RNCP00000', title: 'Manager marketing et commercial', level: 7 },
    session: { title: 'Session de juin 2026', startsOn: '2026-06-01', endsOn: '2026-06-30' },
    closedAt: '2026-06-30T16:00:00.000Z',
    revises: null,
    candidate: { candidateId: 'c-1', pseudonym: 'C-0123456789ABCDEF', erased: false, name: 'Zoé LEFÈVRE', email: 'zoe.lefevre@example.org' },
    blocks: [
      { block: 'BC01', title: 'Construire les orientations de la stratégie marketing et commerciale d’une organisation', decision: 'validated', motivation: null, notEvaluated: null },
      { block: 'BC02', title: 'Concevoir le plan d’action marketing et commercial opérationnel', decision: 'not-validated', motivation: 'Plan d’action insuffisamment chiffré', notEvaluated: null },
      { block: 'BC03', title: 'Piloter le plan d’action', decision: 'not-validated', motivation: null, notEvaluated: 'absence-justified' },
      { block: 'BC04', title: 'Conduire les actions de développement commercial', decision: 'evaluation-annulled', motivation: null, notEvaluated: null },
    ],
    awards: [],
    withdrawals: [],
    sealHash: SEAL,
    keyFingerprint: `sha256:${'cd'.repeat(32)}`,
    issue: { juryId: 'j-1', sealHash: SEAL, issuedAt: '2026-12-31T09:30:00.000Z' },
    ...overrides,
  };
}

async function textOf(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text.replace(/\s+/g, ' ');
  } finally {
    await parser.destroy();
  }
}

describe('decision letter PDF', () => {
  it('prints the addressee, each block’s decision (unknown values as plain labels; a block not evaluated says why), the motivations, the appeal routes with the deadline, and the seal', async () => {
    const pdf = await renderLetterPdf(letter());
    if (process.env.LETTER_SAMPLE) writeFileSync(process.env.LETTER_SAMPLE, pdf);
    const text = await textOf(pdf);
    for (const expected of [
      'CDE FEDE FRANCE',
      'Zoé LEFÈVRE',
      'zoe.lefevre@example.org',
      'Le 31 décembre 2026',
      'RNCP00000BC01 — Construire les orientations',
      'Décision : validé',
      'Décision : non validé',
      'Motivation du jury : Plan d’action insuffisamment chiffré',
      'Évaluation : non évalué — absence justifiée',
      'Décision : evaluation annulled',
      'Les blocs de compétences validés vous restent acquis',
      'dans un délai de deux mois à compter de la notification de la présente lettre',
      'Pour une notification le jour de son émission (31 décembre 2026), ce délai expire le 28 février 2027.',
      SEAL,
    ]) {
      expect(text).toContain(expected);
    }
    expect(appealDeadline('2026-12-31T09:30:00.000Z')).toBe('2027-02-28');
    expect(Buffer.compare(await renderLetterPdf(letter()), pdf)).toBe(0);
  });

  it('announces the award, or the withdrawal by a revision', async () => {
    const text = await textOf(
      await renderLetterPdf(
        letter({
          revises: { juryId: 'j-0', reason: 'appeal' },
          awards: [{ certificationCode: 'RNCP00000', awardedOn: '2026-06-30', withdrawn: false }],
          withdrawals: [{ certificationCode: 'RNCP00001' }],
        }),
      ),
    );
    expect(text).toContain('la certification professionnelle « Manager marketing et commercial » (RNCP00000) vous est délivrée à la date du 30 juin 2026');
    expect(text).toContain('délibération de révision (motif : recours)');
    expect(text).toContain('La certification RNCP00001 qui vous avait été délivrée vous est retirée');
    expect(text).not.toContain('ne vous est pas délivrée');
  });

  it('names nobody once the candidate’s personal data was erased, and says the motivation was erased', async () => {
    const erased = letter({
      candidate: { candidateId: 'c-1', pseudonym: 'C-0123456789ABCDEF', erased: true, name: null, email: null },
      blocks: [{ block: 'BC02', title: 'Concevoir le plan d’action', decision: 'not-validated', motivation: '[erased]', notEvaluated: null }],
    });
    const text = await textOf(await renderLetterPdf(erased));
    expect(text).toContain('Données personnelles effacées');
    expect(text).toContain('Motivation du jury : effacée');
    expect(text).not.toContain('[erased]');
    expect(text).not.toContain('Zoé');
  });

  it('gives no deadline for a letter not issued yet (a regulator’s copy): the notification date is not known', () => {
    const unissued = appealParagraphs('CDE FEDE FRANCE', null).join(' ');
    expect(unissued).toContain('dans un délai de deux mois à compter de la notification');
    expect(unissued).not.toContain('ce délai expire');
    expect(appealParagraphs(null, '2026-07-01T08:00:00.000Z')[0]).toContain('par un recours gracieux adressé par écrit au certificateur dans un délai de deux mois');
  });

  it('labels decisions in French, and values it does not know plainly', () => {
    expect([decisionLabel('validated'), decisionLabel('deferred'), decisionLabel(null), decisionLabel('not-evaluated'), decisionLabel('some-new-value')]).toEqual([
      'validé',
      'décision différée',
      'non délibéré',
      'non évalué',
      'some new value',
    ]);
  });
});
