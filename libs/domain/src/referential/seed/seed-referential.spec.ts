import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Checks the shipped referential document against the source référentiel
 * (`source-referentiel.txt` beside this file: the public référentiel as a PDF
 * text extraction, kept in the repository so the test needs nothing outside it).
 * See CORE-CRITERIA.md beside this file for the `core` proposal and the
 * extraction ambiguities.
 */

interface TaskDoc {
  code: string;
  title: string;
}
interface ActivityDoc {
  code: string;
  title: string;
  tasks: TaskDoc[];
}
interface CriterionDoc {
  code: string;
  text: string;
  core: boolean;
}
interface CompetenceDoc {
  code: string;
  title: string;
  criteria: CriterionDoc[];
}
interface ModalityDoc {
  code: string;
  title: string;
  work: string;
  production: string[];
  competences: string[];
}
interface BlockDoc {
  code: string;
  title: string;
  activities: ActivityDoc[];
  competences: CompetenceDoc[];
  modalities: ModalityDoc[];
}
interface ReferentialDoc {
  code: string;
  title: string;
  level: number;
  certifier: string;
  validationRule: string;
  blocks: BlockDoc[];
}

const SEED_PATH = join(__dirname, 'source-referentiel.txt');
const DOC_PATH = join(__dirname, 'manager-marketing-commercial.referential.json');

const seed = readFileSync(SEED_PATH, 'utf8');
const doc = JSON.parse(readFileSync(DOC_PATH, 'utf8')) as ReferentialDoc;

/** Collapse every run of whitespace (tabs, newlines, double spaces) to one space. */
const normaliseWhitespace = (s: string): string => s.replace(/\s+/g, ' ').trim();
/**
 * Also drop the inline HTML markup left by the extraction (`<i>leads</i> ,`)
 * and the space it leaves before a comma or full stop.
 */
const normaliseMarkup = (s: string): string =>
  normaliseWhitespace(s.replace(/<\/?[a-z]+>/gi, '')).replace(/ ([,.])/g, '$1');

const seedWs = normaliseWhitespace(seed);
const seedPlain = normaliseMarkup(seed);

const competences = doc.blocks.flatMap((b) => b.competences);
const criteria = competences.flatMap((c) => c.criteria);

const BLOCK_RANGES: Record<string, [number, number]> = {
  BC01: [1, 8],
  BC02: [9, 17],
  BC03: [18, 24],
  BC04: [25, 34],
};

const EXPECTED_CRITERIA = 91;

/** Criteria whose text the extraction splits across a page or table-row break. */
const SPLIT_IN_SEED = new Set(['CE17.1', 'CE32.3']);

/** Exact texts copied from the seed (split ones rejoined). */
const SAMPLES: Record<string, string> = {
  'CE1.1':
    'Les techniques de collecte et de traitement de données mobilisées sont complémentaires. Le périmètre de recherche est circonscrit.',
  'CE2.1': 'Les informations collectées sont fiables représentatives, récentes et hiérarchisées.',
  'CE7.1':
    'Plusieurs orientations stratégiques sont déclinées et soutenues par une estimation budgétaire (coûts et recettes attendues) et un planning général de mise en œuvre.',
  'CE14.2':
    'Le choix des canaux de communication est adapté au segment ciblé et justifié (off line/on line, sites vitrines, applications mobiles, référencement SEO-SEA, etc.)',
  'CE17.1':
    "Les outils de suivi à mobiliser et les indicateurs clé de performance sont pertinents et présentés sous la forme d'un tableau de bord.",
  'CE17.2': 'Les facteurs de risque (budgétaire, humain et technologique) sont repérés.',
  'CE21.1':
    'Le planning de réunion est réalisé en fonction des moments de validation intermédiaire fixés et des premiers résultats. Des ordres du jour et des comptes rendus de réunion sont rédigés.',
  'CE25.1':
    'Le plan de prospection est clair, structure et présente une planification cohérente : déploiement des actions, planning, délai, ressources mobilisées.',
  'CE32.3':
    "Les sources d'insatisfaction sont identifiées et les préconisations d'amélioration formulées permettent d'y remédier.",
  'CE33.4':
    "Un cadre descriptif des modalités d'échanges directs avec les clients et prospects est posé et respecte les réglementations et le droit de l'internet.",
  'CE34.3':
    "L'argumentation développée répond aux enjeux commerciaux d'une mise en situation professionnelle courante.",
};

const words = (s: string): string[] => normaliseWhitespace(s).split(' ');
const head = (s: string, n = 6): string => words(s).slice(0, n).join(' ');
const tail = (s: string, n = 4): string => words(s).slice(-n).join(' ');

/**
 * A split text: its first and last words each occur in the seed, the head
 * before the tail; and the whole text is two pieces of the seed, the second
 * one after the first (nothing added or changed in between).
 */
const expectSplitTextInSeed = (text: string, haystack: string): void => {
  const h = haystack.indexOf(head(text));
  const t = haystack.indexOf(tail(text), h);
  expect(h).toBeGreaterThanOrEqual(0);
  expect(t).toBeGreaterThan(h);
  const w = words(text);
  const twoPieces = w.slice(1).some((_, i) => {
    const first = haystack.indexOf(w.slice(0, i + 1).join(' '));
    return first >= 0 && haystack.indexOf(w.slice(i + 1).join(' '), first) > first;
  });
  expect(twoPieces).toBe(true);
};

describe('seed referential: Manager marketing et commercial (CDE FEDE FRANCE)', () => {
  it('resolves the seed file from this folder', () => {
    expect(seed).toContain('Bloc 1 : Construire les orientation');
    expect(seed).toContain('CE34.3');
  });

  it('has the certification header', () => {
    expect(doc.code).toBe('RNCP00000');
    expect(doc.title).toBe('Manager marketing et commercial');
    expect(doc.level).toBe(7);
    expect(doc.certifier).toBe('CDE FEDE FRANCE');
    expect(doc.validationRule).toBe('all-criteria');
  });

  it('uses only the fields of the referential document', () => {
    const only = (o: object, keys: string[]): void => expect(Object.keys(o).sort()).toEqual([...keys].sort());
    only(doc, ['code', 'title', 'level', 'certifier', 'validationRule', 'blocks']);
    for (const b of doc.blocks) {
      only(b, ['code', 'title', 'activities', 'competences', 'modalities']);
      for (const a of b.activities) {
        only(a, ['code', 'title', 'tasks']);
        for (const t of a.tasks) only(t, ['code', 'title']);
      }
      for (const c of b.competences) {
        only(c, ['code', 'title', 'criteria']);
        for (const cr of c.criteria) only(cr, ['code', 'text', 'core']);
      }
      for (const m of b.modalities) only(m, ['code', 'title', 'work', 'production', 'competences']);
    }
  });

  it('has 4 blocks BC01..BC04', () => {
    expect(doc.blocks.map((b) => b.code)).toEqual(['BC01', 'BC02', 'BC03', 'BC04']);
    for (const b of doc.blocks) expect(b.title.length).toBeGreaterThan(0);
  });

  it('has 34 competences C1..C34 in order, in the block ranges of the seed', () => {
    expect(competences.map((c) => c.code)).toEqual(Array.from({ length: 34 }, (_, i) => `C${i + 1}`));
    for (const b of doc.blocks) {
      const [from, to] = BLOCK_RANGES[b.code];
      expect(b.competences.map((c) => c.code)).toEqual(
        Array.from({ length: to - from + 1 }, (_, i) => `C${from + i}`),
      );
    }
  });

  it(`has ${EXPECTED_CRITERIA} criteria, each under its own competence`, () => {
    expect(criteria).toHaveLength(EXPECTED_CRITERIA);
    for (const c of competences) {
      for (const cr of c.criteria) expect(cr.code.startsWith(`CE${c.code.slice(1)}.`)).toBe(true);
    }
  });

  it('has exactly the criterion codes of the seed, in the seed order', () => {
    const seedCodes = [...new Set(seed.match(/CE\d+\.\d+/g) ?? [])];
    expect(criteria.map((c) => c.code)).toEqual(seedCodes);
    for (const cr of criteria) expect(seed).toContain(`${cr.code} `);
  });

  it('keeps the exact text of a sample of criteria', () => {
    const byCode = new Map(criteria.map((c) => [c.code, c.text]));
    expect(Object.keys(SAMPLES).length).toBeGreaterThanOrEqual(8);
    for (const [code, expected] of Object.entries(SAMPLES)) {
      expect(byCode.get(code)).toBe(expected);
      if (SPLIT_IN_SEED.has(code)) {
        expectSplitTextInSeed(expected, seedWs);
      } else {
        expect(seedWs).toContain(normaliseWhitespace(expected));
      }
    }
  });

  it('takes every criterion text from the seed', () => {
    for (const cr of criteria) {
      expect(cr.text).toBe(normaliseWhitespace(cr.text));
      if (SPLIT_IN_SEED.has(cr.code)) {
        expectSplitTextInSeed(cr.text, seedPlain);
      } else {
        expect(seedPlain).toContain(normaliseMarkup(cr.text));
      }
    }
  });

  it('covers every competence of a block by a modality of that block', () => {
    for (const b of doc.blocks) {
      const own = new Set(b.competences.map((c) => c.code));
      const covered = new Set<string>();
      expect(b.modalities.length).toBeGreaterThan(0);
      for (const m of b.modalities) {
        expect(['group', 'individual']).toContain(m.work);
        expect(m.production.length).toBeGreaterThan(0);
        for (const p of m.production) expect(['written', 'oral', 'other']).toContain(p);
        expect(m.competences.length).toBeGreaterThan(0);
        for (const c of m.competences) {
          expect(own.has(c)).toBe(true);
          covered.add(c);
        }
      }
      expect([...covered].sort()).toEqual([...own].sort());
    }
  });

  it('uses unique codes across the whole document', () => {
    const codes = doc.blocks.flatMap((b) => [
      b.code,
      ...b.activities.flatMap((a) => [a.code, ...a.tasks.map((t) => t.code)]),
      ...b.competences.flatMap((c) => [c.code, ...c.criteria.map((cr) => cr.code)]),
      ...b.modalities.map((m) => m.code),
    ]);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('marks every criterion core or not, and keeps a core criterion in every competence', () => {
    for (const cr of criteria) expect(typeof cr.core).toBe('boolean');
    for (const c of competences) expect(c.criteria.some((cr) => cr.core)).toBe(true);
    // the proposal documented in CORE-CRITERIA.md
    expect(criteria.filter((cr) => !cr.core).map((cr) => cr.code)).toEqual([
      'CE2.3',
      'CE3.1',
      'CE9.3',
      'CE11.2',
      'CE16.1',
      'CE20.1',
      'CE28.1',
      'CE30.3',
      'CE31.2',
      'CE33.1',
      'CE33.2',
      'CE34.1',
      'CE34.2',
    ]);
  });
});
