import { ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { invalid, ValidationFault } from '@app/domain/shared/errors';

/** Unknown fields are refused, types are checked, and every fault is named with its path. */
export function validationPipe(): ValidationPipe {
  rememberValidationRules();
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

type RulesStorage = ReturnType<typeof getMetadataStorage> & { [REMEMBERED]?: true };
const REMEMBERED = Symbol('validation rules remembered');

/**
 * class-validator looks a body's rules up anew on every request: it filters
 * the rules of the body's class, walks every class that has rules in the
 * application (an `instanceof` each) for inherited ones, then groups them by
 * property. The rules are declared by decorators as the classes load, so for
 * one class and the same options the answer does not change afterwards: it is
 * kept (the list and its grouping) and forgotten whenever a rule is added.
 * Validating a score's body took 20.8 µs without this, 12 µs with it
 * (docs/performance.md, "Small costs of the request thread"). The lists are
 * only read by class-validator and Nest's pipe.
 */
export function rememberValidationRules(storage: RulesStorage = getMetadataStorage()): void {
  if (storage[REMEMBERED]) return;
  storage[REMEMBERED] = true;
  let lists = new Map<unknown, Map<string, ValidationMetadata[]>>();
  let grouped = new WeakMap<ValidationMetadata[], Record<string, ValidationMetadata[]>>();
  const lookUp = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const options = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0001') ?? ''}`;
    let byOptions = lists.get(target);
    if (!byOptions) lists.set(target, (byOptions = new Map()));
    let list = byOptions.get(options);
    if (!list) byOptions.set(options, (list = lookUp(target, schema, always, strictGroups, groups)));
    return list;
  };
  storage.groupByPropertyName = (metadata) => {
    let byProperty = grouped.get(metadata);
    if (!byProperty) grouped.set(metadata, (byProperty = group(metadata)));
    return byProperty;
  };
  storage.addValidationMetadata = (metadata) => {
    lists = new Map();
    grouped = new WeakMap();
    add(metadata);
  };
}
