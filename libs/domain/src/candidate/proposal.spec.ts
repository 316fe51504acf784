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
});
