import { Role } from '@app/domain/shared/decider';
import { unavailable } from '@app/domain/shared/errors';
import { Principal } from '@app/platform/auth/token-verifier';
import { BACK_OFFICE } from '@app/projections/back-office/back-office.projection';
import { ListScope } from '@app/projections/back-office/back-office.query';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { awaitMinPosition } from '../http/min-position';

export const MIN_POSITION_HEADER_DOC = { name: 'X-Min-Position', required: false, description: 'wait (up to 5 s) until the lists have processed this log position (the `position` a command returned)' };

/** Read-your-writes on the back-office lists: waits for the read model, 503 PROJECTION_LAGGING after 5 s. */
export function awaitLists(runtime: ProjectionRuntime, header: string | undefined): Promise<void> {
  return awaitMinPosition(
    header,
    (position, timeoutMs) => runtime.waitFor(BACK_OFFICE, position, timeoutMs),
    (position) => unavailable('PROJECTION_LAGGING', `the lists have not reached position ${position} yet; retry shortly`),
  );
}

/** Admins and regulators list everything; assessors and jury members the sessions and juries of their work. */
export function listScope(principal: Principal & { grantedRoles: Role[] }): ListScope {
  const roles = principal.grantedRoles;
  return {
    all: roles.includes('admin') || roles.includes('regulator'),
    userId: principal.id,
    assessor: roles.includes('assessor'),
    jury: roles.includes('jury'),
  };
}
