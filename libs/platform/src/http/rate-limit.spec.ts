import { TokenBucketLimiter } from './rate-limit';

describe('TokenBucketLimiter', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('allows a minute of requests at once, then refuses with the wait until the next one', () => {
    const limiter = new TokenBucketLimiter(60, clock);
    for (let i = 0; i < 60; i++) expect(limiter.take('alice').allowed).toBe(true);
    expect(limiter.take('alice')).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('refills continuously at the configured rate', () => {
    const limiter = new TokenBucketLimiter(6, clock); // one every 10 s
    for (let i = 0; i < 6; i++) limiter.take('alice');
    expect(limiter.take('alice')).toEqual({ allowed: false, retryAfterSeconds: 10 });
    now += 4_000;
    expect(limiter.take('alice')).toEqual({ allowed: false, retryAfterSeconds: 6 });
    now += 6_000;
    expect(limiter.take('alice').allowed).toBe(true);
    expect(limiter.take('alice').allowed).toBe(false);
  });

  it('keeps users apart', () => {
    const limiter = new TokenBucketLimiter(2, clock);
    limiter.take('alice');
    limiter.take('alice');
    expect(limiter.take('alice').allowed).toBe(false);
    expect(limiter.take('bob').allowed).toBe(true);
  });

  it('forgets refilled buckets, so memory stays bounded by active clients', () => {
    const limiter = new TokenBucketLimiter(60, clock, 3);
    for (const who of ['a', 'b', 'c']) limiter.take(who);
    expect(limiter.size).toBe(3);
    now += 2_000; // one token back each: all full again
    limiter.take('d'); // at the cap: sweeps first
    expect(limiter.size).toBe(1);
    limiter.sweep();
    expect(limiter.size).toBe(1); // 'd' spent a token 0 ms ago
  });
});
