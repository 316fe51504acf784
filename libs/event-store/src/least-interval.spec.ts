import { LeastInterval, nextChase } from './least-interval';

const timed = async (wait: Promise<void>) => {
  const start = performance.now();
  await wait;
  return performance.now() - start;
};

describe('least interval between two batches of a follower of the log', () => {
  it('goes at once after a quiet spell or a full batch, waits out the interval after a batch, and ends the wait for a hurried reader or a stop', async () => {
    const pace = new LeastInterval(1000);
    expect(await timed(pace.wait())).toBeLessThan(600); // nothing taken yet
    pace.batched(false);
    expect(await timed(pace.wait())).toBeGreaterThanOrEqual(990);
    pace.batched(true); // full: catching up
    expect(await timed(pace.wait())).toBeLessThan(600);
    pace.batched(false);
    const hurried = timed(pace.wait());
    setTimeout(() => pace.hurry(), 20);
    expect(await hurried).toBeLessThan(600);
    // Hurried until a batch is taken: the next wait goes at once too.
    expect(await timed(pace.wait())).toBeLessThan(600);
    pace.batched(false);
    const stopped = timed(pace.wait());
    setTimeout(() => pace.interrupt(), 20);
    expect(await stopped).toBeLessThan(600);
  });

  it('refuses a negative interval', () => {
    expect(() => new LeastInterval(-1)).toThrow(RangeError);
  });
});

describe('looks after a wake-up that found nothing visible yet', () => {
  it('10 ms after the wake-up, then doubling up to 320 ms; past it a subscription stops and the sealer goes on every 320 ms', () => {
    const gaps = (keepLooking: boolean) => {
      const seen = [nextChase(true, 0, keepLooking)];
      for (let i = 0; i < 6; i++) seen.push(nextChase(false, seen[seen.length - 1], keepLooking));
      return seen;
    };
    expect(gaps(false)).toEqual([10, 20, 40, 80, 160, 320, 0]);
    expect(gaps(true)).toEqual([10, 20, 40, 80, 160, 320, 320]);
    expect(nextChase(true, 320)).toBe(10); // a new wake-up starts over
  });
});
