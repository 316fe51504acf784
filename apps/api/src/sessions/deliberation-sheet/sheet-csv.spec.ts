import { csvCell, sheetCsv } from './sheet-csv';

describe('deliberation sheet CSV', () => {
  it('quotes separators, quotes and line breaks, and defuses formulas', () => {
    expect(csvCell('Martin')).toBe('Martin');
    expect(csvCell('a;b')).toBe('"a;b"');
    expect(csvCell('le "Grand"')).toBe('"le ""Grand"""');
    expect(csvCell('Jean\nPaul')).toBe('"Jean\nPaul"');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+33')).toBe("'+33");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('=A1;B1')).toBe(`"'=A1;B1"`);
    expect(csvCell(3)).toBe('3');
  });

  it('starts with a BOM and writes one row per candidate and block', () => {
    const csv = sheetCsv(
      [
        {
          candidateId: 'c1',
          identity: { status: 'pseudonymised', pseudonym: 'C-1' },
          blocks: [
            { code: 'BC01', proposal: 'acquired', notEvaluated: null, attempt: 1, decision: 'validated', criteria: { total: 3, scored: 3, acquired: 3, neutralised: 0 } },
            { code: 'BC02', proposal: 'incomplete', notEvaluated: null, attempt: 2, decision: null, criteria: { total: 2, scored: 0, acquired: 0, neutralised: 1 } },
            { code: 'BC03', proposal: 'not-evaluated', notEvaluated: 'absence-justified', attempt: 1, decision: 'not-validated', criteria: { total: 2, scored: 0, acquired: 0, neutralised: 0 } },
          ],
          neutralisations: [{ block: 'BC02', criterion: 'CE2.1' }],
          accommodations: ['assistant', 'extra-time'],
          pendingOpinions: 0,
          certified: false,
        },
      ],
      false,
    );
    expect(csv.startsWith('\uFEFFIdentifiant candidat;Pseudonyme;Bloc;')).toBe(true);
    expect(csv.split('\r\n').slice(1, 4)).toEqual([
      'c1;C-1;BC01;acquis;validé;3;3;3;0;;assistant, extra-time;0;non;1;',
      'c1;C-1;BC02;incomplet;non délibéré;2;0;0;1;CE2.1;assistant, extra-time;0;non;2;',
      'c1;C-1;BC03;non évalué — absence justifiée;non validé;2;0;0;0;;assistant, extra-time;0;non;1;',
    ]);
  });

  it('says a VAE block is decided on the file, with where its path stands', () => {
    const vae = (interviewHeldOn: string | null) => ({ decidedOn: 'file-and-interview' as const, applicationId: 'a1', admissibility: 'admissible' as const, fileCovers: true, interviewHeldOn });
    const csv = sheetCsv(
      [
        {
          candidateId: 'c2',
          identity: { status: 'pseudonymised', pseudonym: 'C-2' },
          blocks: [
            { code: 'BC01', proposal: 'incomplete', notEvaluated: null, attempt: 1, decision: 'validated', criteria: { total: 3, scored: 0, acquired: 0, neutralised: 0 }, vae: vae('2026-06-10') },
            { code: 'BC02', proposal: 'incomplete', notEvaluated: null, attempt: 1, decision: null, criteria: { total: 2, scored: 0, acquired: 0, neutralised: 0 }, vae: vae(null) },
          ],
          neutralisations: [],
          accommodations: [],
          pendingOpinions: 0,
          certified: false,
        },
      ],
      false,
    );
    expect(csv.split('\r\n')[0].endsWith(';Certifié;Tentative;Parcours VAE')).toBe(true);
    expect(csv.split('\r\n').slice(1, 3)).toEqual([
      'c2;C-2;BC01;sur dossier (VAE);validé;3;0;0;0;;;0;non;1;recevable, dossier déposé, entretien le 2026-06-10',
      'c2;C-2;BC02;sur dossier (VAE);non délibéré;2;0;0;0;;;0;non;1;recevable, dossier déposé, entretien à tenir',
    ]);
  });
});
