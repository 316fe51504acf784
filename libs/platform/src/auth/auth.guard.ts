import { CanActivate, ExecutionContext, HttpException, HttpStatus, Inject, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Role } from '@app/domain/shared/decider';
import { RateLimits, rateLimitedBody } from '../http/rate-limit';
import { AuthenticatedRequest, PUBLIC_KEY, ROLES_KEY } from './roles';
import { IdentityProviderUnavailableError, TokenVerifier } from './token-verifier';

export const TOKEN_VERIFIER = 'TOKEN_VERIFIER';

/** The guard's own refusals start with these words, so tests can tell them from object-level 403s. */
export const NO_ROLE_DECLARED = 'this route declares no role';
export const ROLE_REQUIRED = 'requires one of the roles';

/**
 * Global guard: a route is reachable only if it is marked @Public() or declares
 * @Roles(...). A route that declares nothing is refused (deny by default).
 * Order: token (401), the user's rate limit (429), the route's roles (403).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** Each handler's rule, read from its metadata once (it never changes after start): not two reflector lookups per request. */
  private readonly rules = new WeakMap<object, { cls: object; isPublic: boolean; roles: Role[] | undefined }>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Optional() @Inject(RateLimits) private readonly limits?: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const { isPublic, roles } = this.ruleOf(context);
    if (isPublic) return true;
    const req = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_\-.]{1,12288})$/.exec(header.trim()) : null;
    if (!match) throw error(HttpStatus.UNAUTHORIZED, 'UNAUTHENTICATED', 'a bearer token is required');
    req.principal = await this.verifier.verify(match[1]).catch((e: unknown) => {
      if (e instanceof IdentityProviderUnavailableError) throw error(HttpStatus.SERVICE_UNAVAILABLE, 'SERVICE_UNAVAILABLE', 'the identity provider cannot be reached, retry shortly');
      throw error(HttpStatus.UNAUTHORIZED, 'UNAUTHENTICATED', 'invalid or expired token');
    });
    const taken = this.limits?.takeForUser(req.principal.id);
    if (taken && !taken.allowed) {
      void context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', String(taken.retryAfterSeconds));
      throw new HttpException(rateLimitedBody(taken.retryAfterSeconds, 'user'), HttpStatus.TOO_MANY_REQUESTS);
    }
    if (!roles || roles.length === 0) throw error(HttpStatus.FORBIDDEN, 'FORBIDDEN', NO_ROLE_DECLARED);
    const acting = roles.find((r) => req.principal!.roles.includes(r));
    if (!acting) throw error(HttpStatus.FORBIDDEN, 'FORBIDDEN', `${ROLE_REQUIRED}: ${roles.join(', ')}`);
    req.actingRole = acting;
    req.grantedRoles = roles.filter((r) => req.principal!.roles.includes(r));
    return true;
  }

  private ruleOf(context: ExecutionContext): { isPublic: boolean; roles: Role[] | undefined } {
    const handler = context.getHandler();
    const cls = context.getClass();
    let rule = this.rules.get(handler);
    // Keyed by the method, checked against its class (an inherited method may serve classes with other rules).
    if (!rule || rule.cls !== cls) {
      const targets = [handler, cls];
      rule = { cls, isPublic: !!this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets), roles: this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) };
      this.rules.set(handler, rule);
    }
    return rule;
  }
}

function error(status: number, code: string, message: string) {
  return new HttpException({ statusCode: status, code, message }, status);
}
