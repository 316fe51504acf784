import { freshIv } from './fresh-iv';

describe('freshIv', () => {
  it('gives 12 bytes no other call gave, across refills of its pool', () => {
    // 1,000 vectors: three refills of the 341-vector pool.
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const iv = freshIv();
      expect(iv).toHaveLength(12);
      seen.add(iv.toString('hex'));
    }
    expect(seen.size).toBe(1000);
  });
});
