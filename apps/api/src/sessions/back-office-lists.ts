import { HttpException, HttpStatus } from '@nestjs/common';
import { Role } from '@app/domain/shared/decider';
import { invalid } from '@app/domain/shared/errors';
import { Principal } from '@app/platform/auth/token-verifier';
import { BACK_OFFICE } from '@app/projections/back-office/back-office.projection';
import { ListScope } from '@app/projections/back-office/back-office.query';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';

/** How long `X-Min-Position` may hold a list (docs/api.md: up to 5 s). */
const MIN_POSITION_WAIT_MS = 5000;

export const MIN_POSITION_HEADER_DOC = { name: 'X-Min-Position', required: false, description: 'wait (up to 5 s) until the lists have processed this log position (the `position` a command returned)' };

/** Read-your-writes on the back-office lists: waits for the read model, 503 PROJECTION_LAGGING after 5 s. */
export async function awaitLists(runtime: ProjectionRuntime, header: string | undefined): Promise<void> {
  if (header === undefined) return;
  const raw = header.trim();
  const position = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(position)) throw invalid('X-Min-Position must be a non-negative integer');
  if (!(await runtime.waitFor(BACK_OFFICE, position, MIN_POSITION_WAIT_MS))) {
    throw new HttpException(
      { statusCode: 503, code: 'PROJECTION_LAGGING', message: `the lists have not reached position ${position} yet; retry shortly` },
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  }
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
