import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { AuthenticatedRequest } from '@app/platform/auth/roles';
import { Reader } from '@app/platform/personal-data/who-sees-what';

/**
 * The reader of a personal-data route as WhoSeesWhat takes it: the token's
 * subject and every role of theirs the route allows (what a read shows is the
 * widest of these, docs/security.md).
 */
export const CurrentReader = createParamDecorator((_: unknown, ctx: ExecutionContext): Reader => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  return { id: req.principal!.id, roles: req.grantedRoles ?? (req.actingRole ? [req.actingRole] : []) };
});
