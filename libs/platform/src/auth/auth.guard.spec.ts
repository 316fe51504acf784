import { ExecutionContext, HttpException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RateLimits } from '../http/rate-limit';
import { AuthGuard, NO_ROLE_DECLARED, ROLE_REQUIRED } from './auth.guard';
import { Public, Roles } from './roles';
import { IdentityProviderUnavailableError, InvalidTokenError, Principal, TokenVerifier } from './token-verifier';

class Routes {
  @Roles('admin', 'jury')
  declared() {}
  undeclared() {}
  @Public()
  open() {}
}

function context(handler: keyof Routes, authorization?: string) {
  const req: Record<string, unknown> = { headers: authorization ? { authorization } : {} };
  const headers: Record<string, string> = {};
  const ctx = {
    getType: () => 'http',
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => { const reply = { header: (k: string, v: string) => ((headers[k] = v), reply) }; return reply; } }),
  } as unknown as ExecutionContext;
  return { ctx, req, headers };
}

const verifier = (principal: Principal | Error) =>
  ({ verify: async () => { if (principal instanceof Error) throw principal; return principal; } }) as unknown as TokenVerifier;

async function refusal(guard: AuthGuard, ctx: ExecutionContext) {
  try {
    await guard.canActivate(ctx);
  } catch (error) {
    const e = error as HttpException;
    return { status: e.getStatus(), ...(e.getResponse() as object) } as { status: number; code: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('AuthGuard', () => {
  const alice: Principal = { id: 'alice', roles: ['jury'] };

  it('lets a public route through without a token', async () => {
    await expect(new AuthGuard(new Reflector(), verifier(alice)).canActivate(context('open').ctx)).resolves.toBe(true);
  });

  it('refuses a route that declares no role, even to a valid token (deny by default)', async () => {
    const r = await refusal(new AuthGuard(new Reflector(), verifier({ id: 'root', roles: ['admin', 'assessor', 'referent', 'jury', 'regulator'] })), context('undeclared', 'Bearer a.b.c').ctx);
    expect(r).toMatchObject({ status: 403, code: 'FORBIDDEN', message: NO_ROLE_DECLARED });
  });

  it('401 without a token or with a bad one, 503 when the identity provider is down', async () => {
    expect(await refusal(new AuthGuard(new Reflector(), verifier(alice)), context('declared').ctx)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await refusal(new AuthGuard(new Reflector(), verifier(new InvalidTokenError('x'))), context('declared', 'Bearer a.b.c').ctx)).toMatchObject({ status: 401 });
    expect(await refusal(new AuthGuard(new Reflector(), verifier(new IdentityProviderUnavailableError('x'))), context('declared', 'Bearer a.b.c').ctx)).toMatchObject({ status: 503 });
  });

  it('records the acting role, or refuses with 403 naming the roles', async () => {
    const ok = context('declared', 'Bearer a.b.c');
    await expect(new AuthGuard(new Reflector(), verifier(alice)).canActivate(ok.ctx)).resolves.toBe(true);
    expect(ok.req).toMatchObject({ principal: alice, actingRole: 'jury' });
    const r = await refusal(new AuthGuard(new Reflector(), verifier({ id: 'rita', roles: ['regulator'] })), context('declared', 'Bearer a.b.c').ctx);
    expect(r).toMatchObject({ status: 403, message: `${ROLE_REQUIRED}: admin, jury` });
  });

  it('counts the user\'s requests after authentication: 429 with Retry-After past the limit', async () => {
    const guard = new AuthGuard(new Reflector(), verifier(alice), new RateLimits({ rateLimitPerMinuteUser: 2, rateLimitPerMinuteIp: 0 }));
    await guard.canActivate(context('declared', 'Bearer a.b.c').ctx);
    await guard.canActivate(context('declared', 'Bearer a.b.c').ctx);
    const third = context('declared', 'Bearer a.b.c');
    expect(await refusal(guard, third.ctx)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(third.headers['Retry-After'])).toBe(30);
    // Anonymous requests are not the user's: refused 401 before any counting.
    expect(await refusal(guard, context('declared').ctx)).toMatchObject({ status: 401 });
  });

  it('with the limits set to 0, never throttles', async () => {
    const limits = new RateLimits({ rateLimitPerMinuteUser: 0, rateLimitPerMinuteIp: 0 });
    expect(limits.user).toBeNull();
    expect(limits.ip).toBeNull();
    const guard = new AuthGuard(new Reflector(), verifier(alice), limits);
    for (let i = 0; i < 100; i++) await guard.canActivate(context('declared', 'Bearer a.b.c').ctx);
    limits.onModuleDestroy();
  });
});
