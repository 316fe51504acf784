import { HttpException, HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';

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
      const faults = flatten(errors);
      return new HttpException(
        { statusCode: 400, code: 'VALIDATION_FAILED', message: faults.map((f) => `${f.path}: ${f.problems.join(', ')}`).join('; ') || 'invalid body', details: faults },
        HttpStatus.BAD_REQUEST,
      );
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
