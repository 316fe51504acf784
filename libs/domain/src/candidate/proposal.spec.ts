import { proposeBlock } from './proposal';

const criteria = [
  { code: 'CE1.1', text: 'a', core: true },
  { code: 'CE1.2', text: 'b', core: false },
  { code: 'CE1.3', text: 'c', core: true },
];

describe('block proposal, rule all-criteria', () => {
  it('is incomplete while a counted criterion is unscored', () => {
    const p = proposeBlock('all-criteria', criteria, new Map([['CE1.1', 'acquired']]), new Set());
    expect(p.proposal).toBe('incomplete');
    expect(p.unscored).toEqual(['CE1.2', 'CE1.3']);
    expect(p.criteria).toEqual({ total: 3, scored: 1, acquired: 1, neutralised: 0 });
  });

  it('is acquired when every non-neutralised criterion is acquired', () => {
    const p = proposeBlock('all-criteria', criteria, new Map([['CE1.1', 'acquired'], ['CE1.3', 'acquired']]), new Set(['CE1.2']));
    expect(p.proposal).toBe('acquired');
    expect(p.criteria).toEqual({ total: 3, scored: 2, acquired: 2, neutralised: 1 });
  });

  it('is not acquired when all are scored and one is not acquired', () => {
    const p = proposeBlock('all-criteria', criteria, new Map([['CE1.1', 'acquired'], ['CE1.2', 'not-acquired'], ['CE1.3', 'acquired']]), new Set());
    expect(p.proposal).toBe('not-acquired');
  });

  it('leaves a neutralised criterion out even when it was scored not acquired', () => {
    const p = proposeBlock('all-criteria', criteria, new Map([['CE1.1', 'acquired'], ['CE1.2', 'not-acquired'], ['CE1.3', 'acquired']]), new Set(['CE1.2']));
    expect(p.proposal).toBe('acquired');
    expect(p.criteria).toEqual({ total: 3, scored: 2, acquired: 2, neutralised: 1 });
  });

  it('gives the same proposal from a fold\'s plain record and list as from a Map and a Set, whatever the record inherits', () => {
    const results = ['acquired', 'not-acquired'] as const;
    const codes = ['CE1.1', 'CE1.2', 'CE1.3', 'toString', 'constructor'];
    const withInherited = criteria.concat({ code: 'toString', text: 'd', core: false }, { code: 'constructor', text: 'e', core: false });
    for (let seed = 0; seed < 3 ** codes.length * 4; seed++) {
      const record: Record<string, (typeof results)[number]> = {};
      let n = seed;
      for (const code of codes) {
        const pick = n % 3;
        n = Math.floor(n / 3);
        if (pick < 2) record[code] = results[pick];
      }
      const neutralised = codes.filter((_, i) => (n >> i) & 1 && i < 2);
      const fromMap = proposeBlock('all-criteria', withInherited, new Map(Object.entries(record)), new Set(neutralised));
      expect(proposeBlock('all-criteria', withInherited, record, neutralised)).toEqual(fromMap);
    }
  });
});
