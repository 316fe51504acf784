import { CanActivate, ExecutionContext, HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Role } from '@app/domain/shared/decider';
import { AuthenticatedRequest, PUBLIC_KEY, ROLES_KEY } from './roles';
import { TokenVerifier } from './token-verifier';

export const TOKEN_VERIFIER = 'TOKEN_VERIFIER';

/**
 * Global guard: a route is reachable only if it is marked @Public() or declares
 * @Roles(...). A route that declares nothing is refused (deny by default).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const roles = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets);
    const req = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_\-.]{1,8192})$/.exec(header.trim()) : null;
    if (!match) throw error(HttpStatus.UNAUTHORIZED, 'UNAUTHENTICATED', 'a bearer token is required');
    req.principal = await this.verifier.verify(match[1]).catch(() => {
      throw error(HttpStatus.UNAUTHORIZED, 'UNAUTHENTICATED', 'invalid or expired token');
    });
    if (!roles || roles.length === 0) throw error(HttpStatus.FORBIDDEN, 'FORBIDDEN', 'this route declares no role');
    const acting = roles.find((r) => req.principal!.roles.includes(r));
    if (!acting) throw error(HttpStatus.FORBIDDEN, 'FORBIDDEN', `requires one of the roles: ${roles.join(', ')}`);
    req.actingRole = acting;
    return true;
  }
}

function error(status: number, code: string, message: string) {
  return new HttpException({ statusCode: status, code, message }, status);
}
