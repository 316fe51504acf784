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

  describe('states written behind', () => {
    it('keeps a state written behind through takes and past the limit, until a batch writes them all', () => {
      const memo = new StateMemo(1);
      memo.stageBehind('t', 'a', 'a1');
      memo.stageBehind('t', 'b', 'b1');
      memo.stage('t', 'c', 'c1');
      memo.commit();
      // The limit is 1, but the two states behind their rows stay; the written one goes first.
      expect(memo.size).toBe(2);
      expect(memo.mostBehind).toBe(2);
      expect(memo.take('t', 'c')).toBeUndefined();
      expect(memo.take('t', 'a')).toBe('a1');
      expect(memo.take('t', 'a')).toBe('a1'); // taken and not staged again: still there, its row is older
      memo.commit();
      expect(memo.take('t', 'a')).toBe('a1');
      const before = memo.writtenAt;
      memo.stageBehind('t', 'b', 'b2');
      memo.stageBehind('u', 'x', 'x1');
      expect(memo.behind()).toEqual(
        new Map([
          ['t', new Map([['a', 'a1'], ['b', 'b2']])],
          ['u', new Map([['x', 'x1']])],
        ]),
      );
      memo.commit();
      expect(memo.mostBehind).toBe(0);
      expect(memo.writtenAt).toBeGreaterThanOrEqual(before);
      // Written: now ordinary entries, taken once and bounded by the limit.
      expect(memo.take('t', 'b')).toBe('b2');
      expect(memo.take('t', 'b')).toBeUndefined();
      expect(memo.lost).toBe(false);
    });

    it('a state written (stage) is no longer behind; a state kept (keep) stays as it was', () => {
      const memo = new StateMemo(10);
      memo.stageBehind('t', 'a', 'a1');
      memo.stageBehind('t', 'b', 'b1');
      memo.commit();
      memo.stage('t', 'a', 'a2');
      memo.keep('t', 'b', 'b-read'); // behind: the memo's own state stays
      memo.keep('t', 'c', 'c1'); // written: kept as read
      expect(memo.mostBehind).toBe(2);
      memo.commit();
      expect(memo.mostBehind).toBe(1);
      expect(memo.behind()).toEqual(new Map([['t', new Map([['b', 'b1']])]]));
      expect(memo.take('t', 'c')).toBe('c1');
    });

    it('a batch that writes them all writes the newest of each, what it staged itself included', () => {
      const memo = new StateMemo(10);
      memo.stageBehind('t', 'a', 'a1');
      memo.stageBehind('t', 'b', 'b1');
      memo.commit();
      memo.stageBehind('t', 'a', 'a2');
      memo.stageBehind('t', 'c', 'c1');
      expect(memo.mostBehind).toBe(3); // a, b and c: a counted once
      expect(memo.behind()).toEqual(
        new Map([
          [
            't',
            new Map([
              ['a', 'a2'],
              ['b', 'b1'],
              ['c', 'c1'],
            ]),
          ],
        ]),
      );
    });

    it('a failed batch loses what earlier batches kept behind (`lost`), not what it staged itself', () => {
      const first = new StateMemo(10);
      first.stageBehind('t', 'a', 'a1');
      first.clear();
      expect(first.lost).toBe(false); // its rows are as they were before the batch
      expect(first.mostBehind).toBe(0);
      const second = new StateMemo(10);
      second.stageBehind('t', 'a', 'a1');
      second.commit();
      second.behind(); // a batch that would have written them all, and failed
      second.clear();
      expect(second.lost).toBe(true);
      expect(second.size).toBe(0);
      expect(second.mostBehind).toBe(0);
    });
  });
});
