import { StateMemo } from './state-memo';

describe('StateMemo', () => {
  it('gives back what a committed batch staged, once: a batch that changes a state stages it again', () => {
    const memo = new StateMemo(10);
    memo.stage('t', 'a', { v: 1 });
    expect(memo.take('t', 'a')).toBeUndefined(); // staged, not committed
    memo.commit();
    expect(memo.take('u', 'a')).toBeUndefined(); // another table
    expect(memo.take('t', 'a')).toEqual({ v: 1 });
    expect(memo.take('t', 'a')).toBeUndefined(); // taken: gone until staged again
    memo.commit();
    expect(memo.size).toBe(0);
  });

  it('forgets everything when a batch fails, what it staged and what it had kept', () => {
    const memo = new StateMemo(10);
    memo.stage('t', 'a', { v: 1 });
    memo.stage('t', 'b', { v: 1 });
    memo.commit();
    memo.take('t', 'a');
    memo.stage('t', 'a', { v: 2 });
    memo.clear();
    memo.commit();
    expect(memo.size).toBe(0);
    expect(memo.take('t', 'b')).toBeUndefined();
  });

  it('keeps at most `limit` states, dropping the least recently written first', () => {
    const memo = new StateMemo(2);
    for (const key of ['a', 'b', 'c']) {
      memo.stage('t', key, key);
      memo.commit();
    }
    memo.stage('t', 'b', 'b2'); // rewritten: now the most recent
    memo.stage('t', 'd', 'd');
    memo.commit();
    expect(memo.size).toBe(2);
    expect(memo.take('t', 'a')).toBeUndefined();
    expect(memo.take('t', 'c')).toBeUndefined();
    expect(memo.take('t', 'b')).toBe('b2');
    expect(memo.take('t', 'd')).toBe('d');
    expect(() => new StateMemo(-1)).toThrow(/limit/);
  });

  it('counts the limit per table: two states per candidate keep as many candidates', () => {
    const memo = new StateMemo(2);
    for (const key of ['a', 'b']) {
      memo.stage('progress', key, `p${key}`);
      memo.stage('file', key, `f${key}`);
    }
    memo.commit();
    expect(memo.size).toBe(4);
    memo.stage('progress', 'c', 'pc');
    memo.commit();
    expect(memo.size).toBe(4);
    expect(memo.take('progress', 'a')).toBeUndefined();
    expect(memo.take('file', 'a')).toBe('fa');
    expect(memo.take('progress', 'c')).toBe('pc');
  });
});
