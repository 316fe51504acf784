import seed from './seed/manager-marketing-commercial.referential.json';
import { ValidationFault } from '../shared/errors';
import { LIMITS, MAX_FAULTS, describeFaults, validateReferential } from './validate';

/** A small valid document; each test breaks one thing in a fresh copy. */
function minimal(): any {
  return {
    code: 'RNCP12345',
    title: 'Manager marketing et commercial',
    level: 7,
    certifier: 'CDE FEDE FRANCE',
    validationRule: 'all-criteria',
    blocks: [
      {
        code: 'BC01',
        title: 'Construire la stratégie',
        activities: [{ code: 'A1', title: 'Analyse du marché', tasks: [{ code: 'T1', title: 'Veille' }] }],
        competences: [
          { code: 'C1', title: 'Conduire une veille', criteria: [{ code: 'CE1.1', text: 'Les techniques sont complémentaires.', core: true }] },
          { code: 'C2', title: 'Réaliser des études', criteria: [{ code: 'CE2.1', text: 'Les informations sont fiables.', core: false }] },
        ],
        modalities: [{ code: 'M1', title: 'Mise en situation', work: 'group', production: ['written'], competences: ['C1', 'C2'] }],
      },
      {
        code: 'BC02',
        title: 'Piloter le plan',
        competences: [{ code: 'C3', title: 'Piloter', criteria: [{ code: 'CE3.1', text: 'Le plan est suivi.', core: true }] }],
      },
    ],
  };
}

function faultsOf(doc: unknown): ValidationFault[] {
  const outcome = validateReferential(doc);
  if (outcome.ok) throw new Error('expected the document to be refused');
  return outcome.faults;
}

/** The document is refused with exactly one fault, at that path, whose message matches. */
function expectOnlyFault(doc: unknown, path: string, message: RegExp): void {
  const faults = faultsOf(doc);
  expect(faults).toEqual([{ path, message: expect.stringMatching(message) }]);
}

describe('validateReferential', () => {
  it('accepts the shipped seed referential as it is', () => {
    const outcome = validateReferential(JSON.parse(JSON.stringify(seed)));
    expect(outcome).toEqual({ ok: true, document: seed });
  });

  it('accepts a minimal document, and one without the optional level, activities and modalities', () => {
    expect(validateReferential(minimal()).ok).toBe(true);
    const doc = minimal();
    delete doc.level;
    delete doc.blocks[0].activities;
    delete doc.blocks[0].modalities;
    expect(validateReferential(doc).ok).toBe(true);
  });

  it('accepts an activity without tasks', () => {
    const doc = minimal();
    delete doc.blocks[0].activities[0].tasks;
    expect(validateReferential(doc).ok).toBe(true);
  });

  describe('equivalences and validity period', () => {
    const OLD = '0b1c2d3e-0000-4000-8000-000000000001';
    it('accepts an equivalence table by referential id or by version, and a validity period', () => {
      const doc = minimal();
      doc.equivalences = [
        { from: { referentialId: OLD, block: 'BC09' }, to: 'BC01' },
        { from: { version: 1, block: 'BC02' }, to: 'BC02' },
      ];
      doc.validityYears = 5;
      expect(validateReferential(doc)).toEqual({ ok: true, document: doc });
    });
    it('refuses a target that is not a block of the document', () => {
      const doc = minimal();
      doc.equivalences = [{ from: { version: 1, block: 'BC02' }, to: 'BC07' }];
      expectOnlyFault(doc, '$.equivalences[0].to', /names no block/);
    });
    it('refuses both or neither of referentialId and version', () => {
      const both = minimal();
      both.equivalences = [{ from: { referentialId: OLD, version: 1, block: 'BC02' }, to: 'BC02' }];
      expectOnlyFault(both, '$.equivalences[0].from', /exactly one/);
      const neither = minimal();
      neither.equivalences = [{ from: { block: 'BC02' }, to: 'BC02' }];
      expectOnlyFault(neither, '$.equivalences[0].from', /exactly one/);
    });
    it('refuses a bad referential id, version, block, unknown field or a repeated pair', () => {
      const doc = minimal();
      doc.equivalences = [{ from: { referentialId: 'nope', block: 'BC02' }, to: 'BC02' }];
      expectOnlyFault(doc, '$.equivalences[0].from.referentialId', /UUID/);
      doc.equivalences = [{ from: { version: 0, block: 'BC02' }, to: 'BC02' }];
      expectOnlyFault(doc, '$.equivalences[0].from.version', /integer/);
      doc.equivalences = [{ from: { version: 1, block: 7 }, to: 'BC02' }];
      expectOnlyFault(doc, '$.equivalences[0].from.block', /block code/);
      doc.equivalences = [{ from: { version: 1, block: 'BC02' }, to: 'BC02', note: 'x' }];
      expectOnlyFault(doc, '$.equivalences[0].note', /unknown field/);
      doc.equivalences = [{ from: { version: 1, block: 'BC02' }, to: 'BC02' }, { from: { version: 1, block: 'BC02' }, to: 'BC02' }];
      expectOnlyFault(doc, '$.equivalences[1]', /twice/);
      doc.equivalences = {};
      expectOnlyFault(doc, '$.equivalences', /array/);
    });
    it('refuses a validity period that is not a whole number of years from 1', () => {
      for (const bad of [0, -1, 2.5, '5', LIMITS.validityYears + 1]) {
        const doc = minimal();
        doc.validityYears = bad;
        expectOnlyFault(doc, '$.validityYears', /integer from 1/);
      }
    });
  });

  describe('shape and types', () => {
    it.each([null, [], 'text', 42, true])('refuses a document that is not an object (%p)', (value) => {
      expectOnlyFault(value, '$', /must be an object/);
    });

    it.each(['code', 'title', 'certifier', 'validationRule', 'blocks'])('refuses a document without %s', (field) => {
      const doc = minimal();
      delete doc[field];
      expectOnlyFault(doc, `$.${field}`, /is required/);
    });

    it.each([
      ['code', 'title', 'competences'],
    ])('refuses a block without one of its required fields', (...fields) => {
      for (const field of fields) {
        const doc = minimal();
        delete doc.blocks[1][field];
        expectOnlyFault(doc, `$.blocks[1].${field}`, /is required/);
      }
    });

    it.each(['code', 'title', 'criteria'])('refuses a competence without %s', (field) => {
      const doc = minimal();
      delete doc.blocks[1].competences[0][field];
      expectOnlyFault(doc, `$.blocks[1].competences[0].${field}`, /is required/);
    });

    it.each(['code', 'text'])('refuses a criterion without %s', (field) => {
      const doc = minimal();
      delete doc.blocks[0].competences[0].criteria[0][field];
      expectOnlyFault(doc, `$.blocks[0].competences[0].criteria[0].${field}`, /is required/);
    });

    it.each(['code', 'title', 'work', 'production', 'competences'])('refuses a modality without %s', (field) => {
      const doc = minimal();
      delete doc.blocks[0].modalities[0][field];
      expectOnlyFault(doc, `$.blocks[0].modalities[0].${field}`, /is required/);
    });

    it('refuses an activity or a task without code or title', () => {
      const doc = minimal();
      delete doc.blocks[0].activities[0].title;
      delete doc.blocks[0].activities[0].tasks[0].code;
      expect(faultsOf(doc)).toEqual([
        { path: '$.blocks[0].activities[0].title', message: 'is required' },
        { path: '$.blocks[0].activities[0].tasks[0].code', message: 'is required' },
      ]);
    });

    it('refuses wrong types with the path of each', () => {
      const doc = minimal();
      doc.title = 12;
      doc.certifier = ['CDE'];
      doc.blocks[0].competences = {};
      doc.blocks[1].competences[0].criteria[0].text = null;
      doc.blocks[1].activities = 'none';
      expect(faultsOf(doc).map((f) => [f.path, f.message])).toEqual([
        ['$.title', 'must be a string'],
        ['$.certifier', 'must be a string'],
        ['$.blocks[0].competences', 'must be an array'],
        ['$.blocks[0].modalities[0].competences[0]', expect.stringMatching(/unknown competence "C1"/)],
        ['$.blocks[0].modalities[0].competences[1]', expect.stringMatching(/unknown competence "C2"/)],
        ['$.blocks[1].activities', 'must be an array'],
        ['$.blocks[1].competences[0].criteria[0].text', 'must be a string'],
      ]);
    });

    it('refuses items of a list that are not objects', () => {
      const doc = minimal();
      doc.blocks[1].competences[0].criteria.push('CE3.2');
      expectOnlyFault(doc, '$.blocks[1].competences[0].criteria[1]', /must be an object/);
    });

    it.each([0, 9, 6.5, '7'])('refuses a level that is not an integer from 1 to 8 (%p)', (level) => {
      const doc = minimal();
      doc.level = level;
      expectOnlyFault(doc, '$.level', /integer from 1 to 8/);
    });
  });

  describe('unknown fields, anywhere', () => {
    it.each([
      ['the document', (d: any) => (d.version = 2), '$.version'],
      ['a block', (d: any) => (d.blocks[0].weight = 1), '$.blocks[0].weight'],
      ['an activity', (d: any) => (d.blocks[0].activities[0].note = 'x'), '$.blocks[0].activities[0].note'],
      ['a task', (d: any) => (d.blocks[0].activities[0].tasks[0].note = 'x'), '$.blocks[0].activities[0].tasks[0].note'],
      ['a competence', (d: any) => (d.blocks[0].competences[0].level = 'x'), '$.blocks[0].competences[0].level'],
      ['a criterion', (d: any) => (d.blocks[0].competences[0].criteria[0].isCore = true), '$.blocks[0].competences[0].criteria[0].isCore'],
      ['a modality', (d: any) => (d.blocks[0].modalities[0].duration = '2h'), '$.blocks[0].modalities[0].duration'],
      ['a key that is not an identifier', (d: any) => (d['odd key'] = 1), '$["odd key"]'],
    ])('refuses an unknown field in %s', (_, mutate, path) => {
      const doc = minimal();
      mutate(doc);
      expectOnlyFault(doc, path as string, /unknown field/);
    });

    it('refuses a __proto__ key parsed from JSON', () => {
      const doc = JSON.parse(JSON.stringify(minimal()).replace('{"code":"RNCP12345"', '{"__proto__":{"admin":true},"code":"RNCP12345"'));
      expectOnlyFault(doc, '$.__proto__', /unknown field/);
    });
  });

  describe('codes', () => {
    it.each([
      ['two blocks', (d: any) => (d.blocks[1].code = 'BC01'), '$.blocks[1].code', '$.blocks[0].code'],
      ['two competences of different blocks', (d: any) => (d.blocks[1].competences[0].code = 'C1'), '$.blocks[1].competences[0].code', '$.blocks[0].competences[0].code'],
      ['two criteria', (d: any) => (d.blocks[0].competences[1].criteria[0].code = 'CE1.1'), '$.blocks[0].competences[1].criteria[0].code', '$.blocks[0].competences[0].criteria[0].code'],
      ['a criterion and a competence', (d: any) => (d.blocks[1].competences[0].criteria[0].code = 'C2'), '$.blocks[1].competences[0].criteria[0].code', '$.blocks[0].competences[1].code'],
      ['two activities', (d: any) => d.blocks[1].activities = [{ code: 'A1', title: 'Autre' }], '$.blocks[1].activities[0].code', '$.blocks[0].activities[0].code'],
      ['a task and a block', (d: any) => (d.blocks[0].activities[0].tasks[0].code = 'BC02'), '$.blocks[1].code', '$.blocks[0].activities[0].tasks[0].code'],
      ['a modality and an activity', (d: any) => (d.blocks[0].modalities[0].code = 'A1'), '$.blocks[0].modalities[0].code', '$.blocks[0].activities[0].code'],
    ])('refuses a code used by %s, naming both places', (_, mutate, path, first) => {
      const doc = minimal();
      mutate(doc);
      const faults = faultsOf(doc);
      expect(faults).toEqual([{ path, message: expect.stringContaining(`first used at ${first}`) }]);
      expect(faults[0].message).toMatch(/^duplicate code/);
    });

    it.each(['', 'BC 01', '-BC01', 'BC01/2', 'x'.repeat(LIMITS.code + 1)])('refuses a malformed code %p', (code) => {
      const doc = minimal();
      doc.blocks[1].code = code;
      expectOnlyFault(doc, '$.blocks[1].code', /characters|letters, digits/);
    });

    it('refuses a code that is not a string', () => {
      const doc = minimal();
      doc.blocks[0].competences[0].criteria[0].code = 11;
      expectOnlyFault(doc, '$.blocks[0].competences[0].criteria[0].code', /must be a string/);
    });
  });

  describe('core flags', () => {
    it('refuses a criterion without core', () => {
      const doc = minimal();
      delete doc.blocks[0].competences[1].criteria[0].core;
      expectOnlyFault(doc, '$.blocks[0].competences[1].criteria[0].core', /is required/);
    });

    it('refuses a criterion with core null', () => {
      const doc = minimal();
      doc.blocks[0].competences[1].criteria[0].core = null;
      expectOnlyFault(doc, '$.blocks[0].competences[1].criteria[0].core', /true or false/);
    });

    it.each(['true', 1, 0, 'yes'])('refuses a core flag that is not a boolean (%p)', (core) => {
      const doc = minimal();
      doc.blocks[1].competences[0].criteria[0].core = core;
      expectOnlyFault(doc, '$.blocks[1].competences[0].criteria[0].core', /true or false/);
    });
  });

  describe('structure', () => {
    it('refuses a document without blocks', () => {
      const doc = minimal();
      doc.blocks = [];
      expectOnlyFault(doc, '$.blocks', /at least one block/);
    });

    it('refuses a block without competences', () => {
      const doc = minimal();
      doc.blocks[1].competences = [];
      expectOnlyFault(doc, '$.blocks[1].competences', /at least one competence/);
    });

    it('refuses a competence without criteria', () => {
      const doc = minimal();
      doc.blocks[1].competences[0].criteria = [];
      expectOnlyFault(doc, '$.blocks[1].competences[0].criteria', /at least one evaluation criterion/);
    });

    it('refuses a modality naming an unknown competence', () => {
      const doc = minimal();
      doc.blocks[0].modalities[0].competences = ['C1', 'C99'];
      expectOnlyFault(doc, '$.blocks[0].modalities[0].competences[1]', /unknown competence "C99"/);
    });

    it('refuses a modality naming a competence of another block', () => {
      const doc = minimal();
      doc.blocks[0].modalities[0].competences = ['C1', 'C3'];
      expectOnlyFault(doc, '$.blocks[0].modalities[0].competences[1]', /"C3" belongs to block BC02/);
    });

    it('refuses a modality naming a competence twice, or none', () => {
      const twice = minimal();
      twice.blocks[0].modalities[0].competences = ['C1', 'C1'];
      expectOnlyFault(twice, '$.blocks[0].modalities[0].competences[1]', /listed twice/);
      const none = minimal();
      none.blocks[0].modalities[0].competences = [];
      expectOnlyFault(none, '$.blocks[0].modalities[0].competences', /at least one competence/);
    });

    it('refuses a competence reference that is not a string', () => {
      const doc = minimal();
      doc.blocks[0].modalities[0].competences = [{ code: 'C1' }];
      expectOnlyFault(doc, '$.blocks[0].modalities[0].competences[0]', /competence code/);
    });

    it.each(['unanimity', '', 42])('refuses an unknown validation rule (%p)', (rule) => {
      const doc = minimal();
      doc.validationRule = rule;
      expectOnlyFault(doc, '$.validationRule', /unknown validation rule|must be a string/);
    });
  });

  describe('modalities: work and production', () => {
    it.each(['team', '', null, 'Group'])('refuses work %p (group or individual only)', (work) => {
      const doc = minimal();
      doc.blocks[0].modalities[0].work = work;
      expectOnlyFault(doc, '$.blocks[0].modalities[0].work', /one of group, individual/);
    });

    it('accepts every subset of written, oral, other', () => {
      const doc = minimal();
      doc.blocks[0].modalities[0].production = ['other', 'oral', 'written'];
      expect(validateReferential(doc).ok).toBe(true);
    });

    it('refuses an empty production', () => {
      const doc = minimal();
      doc.blocks[0].modalities[0].production = [];
      expectOnlyFault(doc, '$.blocks[0].modalities[0].production', /at least one kind of production/);
    });

    it('refuses an unknown kind of production', () => {
      const doc = minimal();
      doc.blocks[0].modalities[0].production = ['written', 'video'];
      expectOnlyFault(doc, '$.blocks[0].modalities[0].production[1]', /one of written, oral, other/);
    });

    it('refuses a kind of production listed twice', () => {
      const doc = minimal();
      doc.blocks[0].modalities[0].production = ['oral', 'oral'];
      expectOnlyFault(doc, '$.blocks[0].modalities[0].production[1]', /listed twice/);
    });

    it('refuses a production that is not an array', () => {
      const doc = minimal();
      doc.blocks[0].modalities[0].production = 'written';
      expectOnlyFault(doc, '$.blocks[0].modalities[0].production', /must be an array/);
    });
  });

  describe('string bounds', () => {
    it.each([
      ['the title', (d: any) => (d.title = 'x'.repeat(LIMITS.shortText + 1)), '$.title'],
      ['the certifier', (d: any) => (d.certifier = 'x'.repeat(LIMITS.shortText + 1)), '$.certifier'],
      ['a block title', (d: any) => (d.blocks[0].title = 'x'.repeat(LIMITS.longText + 1)), '$.blocks[0].title'],
      ['a criterion text', (d: any) => (d.blocks[0].competences[0].criteria[0].text = 'x'.repeat(LIMITS.longText + 1)), '$.blocks[0].competences[0].criteria[0].text'],
    ])('refuses %s over its bound', (_, mutate, path) => {
      const doc = minimal();
      mutate(doc);
      expectOnlyFault(doc, path as string, /at most \d+ characters/);
    });

    it.each(['', '   \n'])('refuses an empty or blank text %p', (text) => {
      const doc = minimal();
      doc.blocks[0].competences[0].criteria[0].text = text;
      expectOnlyFault(doc, '$.blocks[0].competences[0].criteria[0].text', /must not be empty/);
    });

    it('accepts texts at their bound', () => {
      const doc = minimal();
      doc.title = 'x'.repeat(LIMITS.shortText);
      doc.blocks[0].competences[0].criteria[0].text = 'é'.repeat(LIMITS.longText);
      expect(validateReferential(doc).ok).toBe(true);
    });
  });

  describe('reporting', () => {
    it('reports every fault of a document at once, item by item in document order', () => {
      const doc = minimal();
      doc.blocks[0].competences[0].criteria[0].code = 'CE2.1';
      delete doc.blocks[0].competences[1].criteria[0].core;
      doc.blocks[0].modalities[0].competences = ['C7'];
      doc.extra = true;
      expect(faultsOf(doc).map((f) => f.path)).toEqual([
        '$.extra',
        '$.blocks[0].competences[1].criteria[0].core',
        '$.blocks[0].competences[1].criteria[0].code',
        '$.blocks[0].modalities[0].competences[0]',
      ]);
    });

    it(`stops at ${MAX_FAULTS} faults`, () => {
      const doc = minimal();
      doc.blocks[0].competences[0].criteria = Array.from({ length: 300 }, (_, i) => ({ code: `CE1.${i}`, text: 'x' }));
      expect(faultsOf(doc)).toHaveLength(MAX_FAULTS);
    });

    it('refuses a list longer than its bound', () => {
      const doc = minimal();
      doc.blocks = Array.from({ length: LIMITS.blocks + 1 }, () => doc.blocks[1]);
      expectOnlyFault(doc, '$.blocks', /at most 100 items/);
    });

    it('describes faults one per path', () => {
      expect(describeFaults([{ path: '$.a', message: 'is required' }, { path: '$.b', message: 'must be a string' }])).toBe('$.a: is required; $.b: must be a string');
    });
  });
});
