import { OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { SecurityConfig } from './security.config';

export interface Take {
  allowed: boolean;
  /** Whole seconds until one request is allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

/**
 * Token buckets per key: each holds up to `perMinute` requests (a minute's
 * burst) and refills continuously at `perMinute` per minute. In memory, per
 * process: a coarse brake on abuse, not an accounting system; behind several
 * instances each enforces its own share.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {
    this.perMs = perMinute / 60_000;
  }

  take(key: string): Take {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.sweep();
      bucket = { tokens: this.perMinute, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.perMs);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  /** Forgets buckets that have refilled: they behave exactly like new ones. */
  sweep(): void {
    const now = this.now();
    for (const [key, b] of this.buckets) if (b.tokens + (now - b.at) * this.perMs >= this.perMinute) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }
}

export const RATE_LIMITED = 'RATE_LIMITED';

export function rateLimitedBody(retryAfterSeconds: number, who: 'user' | 'address') {
  return { statusCode: 429, code: RATE_LIMITED, message: `too many requests from this ${who}: retry in ${retryAfterSeconds} s` };
}

/**
 * The two limits of the API: per client address before authentication (a
 * flood of bad tokens costs no signature check beyond it) and per user after
 * it (one account cannot starve the others). 0 disables a limit.
 */
export class RateLimits implements OnModuleDestroy {
  readonly user: TokenBucketLimiter | null;
  readonly ip: TokenBucketLimiter | null;
  private readonly sweeper: NodeJS.Timeout;

  constructor(security: Pick<SecurityConfig, 'rateLimitPerMinuteUser' | 'rateLimitPerMinuteIp'>) {
    this.user = security.rateLimitPerMinuteUser > 0 ? new TokenBucketLimiter(security.rateLimitPerMinuteUser) : null;
    this.ip = security.rateLimitPerMinuteIp > 0 ? new TokenBucketLimiter(security.rateLimitPerMinuteIp) : null;
    this.sweeper = setInterval(() => {
      this.user?.sweep();
      this.ip?.sweep();
    }, 60_000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /** The user's share; a refusal is answered by the caller (the guard) with 429. */
  takeForUser(userId: string): Take {
    return this.user ? this.user.take(userId) : { allowed: true, retryAfterSeconds: 0 };
  }

  /** An `onRequest` hook: runs before body parsing and authentication. `req.ip` honours TRUST_PROXY. */
  ipHook() {
    return (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
      if (!this.ip) return done();
      const taken = this.ip.take(req.ip ?? req.socket.remoteAddress ?? 'unknown');
      if (taken.allowed) return done();
      void reply.code(429).header('Retry-After', String(taken.retryAfterSeconds)).send(rateLimitedBody(taken.retryAfterSeconds, 'address'));
    };
  }
}
