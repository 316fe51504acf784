import { ValidationError, ValidationPipe } from '@nestjs/common';
import { invalid, ValidationFault } from '@app/domain/shared/errors';

/** Unknown fields are refused, types are checked, and every fault is named with its path. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const byPath = flatten(errors);
      const message = byPath.map((f) => `${f.path}: ${f.problems.join(', ')}`).join('; ') || 'invalid body';
      const faults: ValidationFault[] = byPath.flatMap((f) => f.problems.map((problem) => ({ path: f.path, message: problem })));
      return invalid(message, faults);
    },
  });
}

function flatten(errors: ValidationError[], prefix = ''): Array<{ path: string; problems: string[] }> {
  const out: Array<{ path: string; problems: string[] }> = [];
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out.push({ path, problems: Object.values(e.constraints) });
    if (e.children?.length) out.push(...flatten(e.children, path));
  }
  return out;
}
