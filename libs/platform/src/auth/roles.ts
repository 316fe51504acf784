import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Role } from '@app/domain/shared/decider';
import type { Principal } from './token-verifier';

export const ROLES_KEY = 'cert:roles';
export const PUBLIC_KEY = 'cert:public';

/** The roles allowed on a route. Every /v1 route must say; the guard refuses routes that do not. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** Health, metrics and the API documentation: no token needed. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export interface AuthenticatedRequest {
  principal?: Principal;
  /** The role under which this request acts: the first of the route's roles the user holds. */
  actingRole?: Role;
  /** Every role of the user that the route allows: what a read may show them is the widest of these (docs/security.md). */
  grantedRoles?: Role[];
}

/** The authenticated user of the request (never taken from the body). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal & { actingRole: Role; grantedRoles: Role[] } => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  return { ...req.principal!, actingRole: req.actingRole!, grantedRoles: req.grantedRoles ?? (req.actingRole ? [req.actingRole] : []) };
});
