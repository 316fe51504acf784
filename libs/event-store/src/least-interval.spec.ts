import { LeastInterval } from './least-interval';

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
