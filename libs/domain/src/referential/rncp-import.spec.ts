import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRncpFiche, normaliseFicheNumber, plainText, RncpFormatError, skeletonFromFiche, splitList } from './rncp-import';
import { validateReferential } from './validate';

const FIXTURE = readFileSync(join(__dirname, '../../../../test/fixtures/rncp-export.xml'), 'utf8');

/** The text in small pieces, so that tags, entities and CDATA fall across chunk boundaries. */
async function* chunksOf(text: string, size = 97): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

describe('RNCP export import', () => {
  describe('findRncpFiche', () => {
    it('finds the wanted fiche with its certification and block fields', async () => {
      const { fiche, fichesSeen } = await findRncpFiche(chunksOf(FIXTURE), 'RNCP34567');
      expect(fichesSeen).toBe(2);
      expect(fiche).toMatchObject({
        numero: 'RNCP34567',
        intitule: 'Manager marketing et commercial',
        niveau: 'NIV7',
        actif: 'Oui',
        dateLimiteDelivrance: '31/12/2028',
        certificateurs: ['CDE FEDE FRANCE'],
      });
      expect(fiche!.blocs.map((b) => [b.code, b.libelle])).toEqual([
        ['RNCP34567BC01', "Construire les orientations de la stratégie marketing et commerciale d'une organisation"],
        ['RNCP34567BC02', "Piloter et mettre en œuvre le plan d'action marketing et commercial"],
        ['RNCP34567BC03', 'Manager une équipe commerciale'],
      ]);
      expect(fiche!.blocs[1].listeCompetences).toContain('2. Élaborer le budget prévisionnel');
      expect(fiche!.blocs[0].modalitesEvaluation).toContain('Travail en groupe');
    });

    it('does not take the level title (NOMENCLATURE_EUROPE/INTITULE) for the certification title', async () => {
      const { fiche } = await findRncpFiche(chunksOf(FIXTURE, 13), 'RNCP11111');
      expect(fiche).toMatchObject({ intitule: 'Responsable de la distribution', niveau: 'NIV6', actif: 'Non' });
    });

    it('accepts the number without its prefix, in any case', async () => {
      expect((await findRncpFiche(chunksOf(FIXTURE), '34567')).fiche?.numero).toBe('RNCP34567');
      expect((await findRncpFiche(chunksOf(FIXTURE), 'rncp22222')).fiche?.certificateurs).toEqual(['INSTITUT A', 'INSTITUT B']);
      expect(normaliseFicheNumber('RNCP 34567')).toBe('RNCP34567');
      expect(normaliseFicheNumber('RS1234x')).toBeUndefined();
    });

    it('answers no fiche when the number is not in the export, after reading it all', async () => {
      const scan = await findRncpFiche(chunksOf(FIXTURE), 'RNCP99999');
      expect(scan.fiche).toBeUndefined();
      expect(scan.fichesSeen).toBe(3);
    });

    it('refuses a fiche number that is not one', async () => {
      await expect(findRncpFiche(chunksOf(FIXTURE), 'BC01')).rejects.toThrow(RncpFormatError);
    });

    it('refuses a file that is not an RNCP export, or malformed XML', async () => {
      await expect(findRncpFiche(chunksOf('<catalog><item/></catalog>'), 'RNCP1')).rejects.toThrow(/root element is <catalog>/);
      await expect(findRncpFiche(chunksOf('<FICHES><FICHE><NUMERO_FICHE>RNCP1</FICHE>'), 'RNCP1')).rejects.toThrow(/malformed XML/);
      await expect(findRncpFiche(chunksOf('not xml at all'), 'RNCP1')).rejects.toThrow(RncpFormatError);
    });

    it('stops reading as soon as the wanted fiche is closed', async () => {
      let pulled = 0;
      const fiche = (n: number) => `<FICHE><NUMERO_FICHE>RNCP${n}</NUMERO_FICHE><INTITULE>Fiche ${n}</INTITULE><ACTIF>Oui</ACTIF></FICHE>\n`;
      async function* endless(): AsyncGenerator<string> {
        yield '<FICHES>';
        for (let n = 1; ; n++) {
          pulled++;
          yield fiche(n);
        }
      }
      const scan = await findRncpFiche(endless(), 'RNCP5');
      expect(scan.fiche?.intitule).toBe('Fiche 5');
      expect(pulled).toBe(5);
    });

    it('streams a 20 MB export with the wanted fiche last, holding one fiche at a time', async () => {
      const filler = 'Texte libre des compétences, répété pour grossir la fiche. '.repeat(40);
      const fiche = (n: number) =>
        `<FICHE><NUMERO_FICHE>RNCP${n}</NUMERO_FICHE><INTITULE>Fiche ${n}</INTITULE><ACTIF>Oui</ACTIF><BLOCS_COMPETENCES><BLOC_COMPETENCES><CODE>RNCP${n}BC01</CODE><LIBELLE>Bloc</LIBELLE><LISTE_COMPETENCES>${filler}</LISTE_COMPETENCES><MODALITES_EVALUATION>${filler}</MODALITES_EVALUATION></BLOC_COMPETENCES></BLOCS_COMPETENCES></FICHE>\n`;
      const perFiche = fiche(1).length;
      const count = Math.ceil((20 * 1024 * 1024) / perFiche);
      let produced = 0;
      async function* generated(): AsyncGenerator<string> {
        yield '<FICHES>';
        let batch = '';
        for (let n = 1; n <= count; n++) {
          batch += fiche(n);
          if (batch.length >= 64 * 1024) {
            produced += batch.length;
            yield batch;
            batch = '';
          }
        }
        produced += batch.length;
        yield `${batch}</FICHES>`;
      }
      const heapBefore = process.memoryUsage().heapUsed;
      const scan = await findRncpFiche(generated(), `RNCP${count}`);
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
      expect(produced).toBeGreaterThan(20 * 1024 * 1024);
      expect(scan.fichesSeen).toBe(count);
      expect(scan.fiche?.intitule).toBe(`Fiche ${count}`);
      // What the parser keeps is one fiche's fields (a few kB), never the export.
      expect(scan.maxRetainedChars).toBeLessThan(2 * perFiche);
      // Buffering the export would take more than 40 MB of UTF-16 strings; garbage not yet collected stays well below.
      expect(heapGrowth).toBeLessThan(30 * 1024 * 1024);
    });
  });

  describe('skeletonFromFiche', () => {
    it('builds a skeleton: codes, titles, level, certifier, blocks, competences split from lists, no criteria', async () => {
      const { fiche } = await findRncpFiche(chunksOf(FIXTURE), 'RNCP34567');
      const { document, notes, unstructured } = skeletonFromFiche(fiche!);
      expect(document).toEqual({
        code: 'RNCP34567',
        title: 'Manager marketing et commercial',
        level: 7,
        certifier: 'CDE FEDE FRANCE',
        validationRule: 'all-criteria',
        blocks: [
          {
            code: 'RNCP34567BC01',
            title: "Construire les orientations de la stratégie marketing et commerciale d'une organisation",
            competences: [
              { code: 'C1', title: 'Conduire une démarche de veille économique, technologique et commerciale', criteria: [] },
              { code: 'C2', title: 'Réaliser des études qualitatives et quantitatives du marché', criteria: [] },
              { code: 'C3', title: 'Analyser la concurrence & le positionnement de l’organisation', criteria: [] },
            ],
          },
          {
            code: 'RNCP34567BC02',
            title: "Piloter et mettre en œuvre le plan d'action marketing et commercial",
            competences: [
              { code: 'C4', title: "Définir les objectifs opérationnels du plan d'action", criteria: [] },
              { code: 'C5', title: 'Élaborer le budget prévisionnel', criteria: [] },
              { code: 'C6', title: 'Piloter les indicateurs de performance', criteria: [] },
            ],
          },
          { code: 'RNCP34567BC03', title: 'Manager une équipe commerciale', competences: [] },
        ],
      });
      expect(notes.blocks[0].modalitesEvaluation).toBe('Mise en situation professionnelle reconstituée : analyse du marché. Travail en groupe. Production écrite.');
      expect(notes.blocks[2].listeCompetences).toMatch(/^Le titulaire encadre une équipe commerciale/);
      expect(notes).toMatchObject({ fiche: 'RNCP34567', actif: 'Oui', dateLimiteDelivrance: '31/12/2028' });
      const report = unstructured.join('\n');
      expect(report).toMatch(/RNCP34567BC03: LISTE_COMPETENCES is free text, not a list: not split/);
      expect(report).toMatch(/criteria: the export has no evaluation criteria.*6 competences.*"core" flag/);
      expect(report).toMatch(/RNCP34567BC01: MODALITES_EVALUATION is free text/);
      expect(report).not.toMatch(/not active/);
    });

    it('is not a valid referential until the certifier completes it', async () => {
      const { fiche } = await findRncpFiche(chunksOf(FIXTURE), 'RNCP34567');
      const outcome = validateReferential(skeletonFromFiche(fiche!).document);
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.faults.map((f) => f.path)).toContain('$.blocks[0].competences[0].criteria');
    });

    it('says when the fiche is not active, and when it names several certifiers', async () => {
      const inactive = skeletonFromFiche((await findRncpFiche(chunksOf(FIXTURE), 'RNCP11111')).fiche!);
      expect(inactive.unstructured.join('\n')).toMatch(/RNCP11111 is not active \(ACTIF=Non\)/);
      expect(inactive.document.level).toBe(6);
      const several = skeletonFromFiche((await findRncpFiche(chunksOf(FIXTURE), 'RNCP22222')).fiche!);
      expect(several.document.certifier).toBe('INSTITUT A');
      expect(several.unstructured.join('\n')).toMatch(/2 certifiers \(INSTITUT A; INSTITUT B\)/);
    });

    it('reads a competence list written as unescaped HTML paragraphs', async () => {
      const several = skeletonFromFiche((await findRncpFiche(chunksOf(FIXTURE), 'RNCP22222')).fiche!);
      expect(several.document.blocks[0].competences.map((c) => c.title)).toEqual(['Analyser la demande', 'Rédiger une recommandation']);
    });

    it('leaves the level out when the export has none', () => {
      const { document, unstructured } = skeletonFromFiche({ numero: 'RNCP1', intitule: 'T', niveau: '', actif: 'Oui', dateLimiteDelivrance: '', certificateurs: ['X'], blocs: [] });
      expect(document).not.toHaveProperty('level');
      expect(unstructured.join('\n')).toMatch(/level: NOMENCLATURE_EUROPE\/NIVEAU is missing/);
      expect(unstructured.join('\n')).toMatch(/no BLOCS_COMPETENCES/);
    });
  });

  describe('splitList', () => {
    it.each([
      ['dash items', '- Analyser\n- Concevoir', ['Analyser', 'Concevoir']],
      ['bullets', '• Analyser\n• Concevoir\n• Piloter', ['Analyser', 'Concevoir', 'Piloter']],
      ['numbered items', '1) Analyser\n2) Concevoir', ['Analyser', 'Concevoir']],
      ['one item per line', 'Analyser le marché\nConcevoir une offre', ['Analyser le marché', 'Concevoir une offre']],
      ['an introduction then items', 'Être capable de :\n- Analyser\n- Concevoir', ['Analyser', 'Concevoir']],
      ['HTML list items', '<ul><li>Analyser</li><li>Concevoir</li></ul>', ['Analyser', 'Concevoir']],
    ])('splits %s', (_, text, expected) => {
      expect(splitList(text)).toEqual(expected);
    });

    it.each([
      ['one paragraph', 'Le titulaire analyse le marché et conçoit une offre.'],
      ['empty text', ''],
      ['an introduction and one item', 'Être capable de :\n- Analyser'],
      ['prose with a dashed line', 'Le titulaire analyse le marché.\n- et conçoit une offre'],
    ])('does not split %s', (_, text) => {
      expect(splitList(text)).toBeUndefined();
    });

    it('decodes entities and drops markup', () => {
      expect(plainText('<p>R&eacute;aliser&nbsp;des &#233;tudes &#x26; <b>analyses</b></p>')).toBe('Réaliser des études & analyses');
    });
  });
});
