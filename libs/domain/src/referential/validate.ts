import { ValidationFault } from '../shared/errors';
import { ReferentialDocument, VALIDATION_RULES } from './referential';

/**
 * The one validator of a referential document, for the HTTP body and the CLI
 * file alike. The document is free-form JSON from outside, so it is checked
 * here, in the pure domain, rather than by class-validator DTOs: the same
 * refusals, with the same JSON paths (faults as every 400 lists them), whatever
 * the door it came in by.
 */

export type ValidationOutcome = { ok: true; document: ReferentialDocument } | { ok: false; faults: ValidationFault[] };

/** Past this many faults the rest are noise; the caller fixes these first. */
export const MAX_FAULTS = 100;

export const LIMITS = {
  code: 50,
  shortText: 300, // certification title, certifier
  longText: 2000, // block, activity, task, competence and modality titles, criterion texts
  blocks: 100,
  itemsPerList: 500,
  validityYears: 100,
} as const;

/** Letters, digits and `. _ -`, starting with a letter or digit: RNCP00000, BC01, BC01-A1-T1, CE17.1. */
const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const WORK = ['group', 'individual'] as const;
const PRODUCTION = ['written', 'oral', 'other'] as const;

type Json = Record<string, unknown>;

class Checker {
  readonly faults: ValidationFault[] = [];
  /** Every code of the document (blocks, activities, tasks, competences, criteria, modalities) and where it was first seen. */
  private readonly codes = new Map<string, string>();

  fault(path: string, message: string): void {
    if (this.faults.length < MAX_FAULTS) this.faults.push({ path, message });
  }

  /** A plain JSON object, with only the allowed fields and every required one present. */
  object(value: unknown, path: string, required: readonly string[], optional: readonly string[]): value is Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fault(path, 'must be an object');
      return false;
    }
    const allowed = new Set([...required, ...optional]);
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) this.fault(`${path}${member(key)}`, `unknown field (allowed: ${[...allowed].join(', ')})`);
    }
    for (const key of required) {
      if (!Object.prototype.hasOwnProperty.call(value, key) || (value as Json)[key] === undefined) this.fault(`${path}${member(key)}`, 'is required');
    }
    return true;
  }

  text(value: unknown, path: string, max: number): value is string {
    if (value === undefined) return false; // reported as missing by object()
    if (typeof value !== 'string') {
      this.fault(path, 'must be a string');
      return false;
    }
    if (value.trim().length === 0) {
      this.fault(path, 'must not be empty');
      return false;
    }
    if (value.length > max) {
      this.fault(path, `must be at most ${max} characters (got ${value.length})`);
      return false;
    }
    return true;
  }

  /** A code, unique across the whole document. */
  code(value: unknown, path: string): value is string {
    if (value === undefined) return false;
    if (typeof value !== 'string') {
      this.fault(path, 'must be a string');
      return false;
    }
    if (value.length === 0 || value.length > LIMITS.code) {
      this.fault(path, `must be 1 to ${LIMITS.code} characters`);
      return false;
    }
    if (!CODE.test(value)) {
      this.fault(path, 'must hold only letters, digits, ".", "_" and "-", and start with a letter or digit');
      return false;
    }
    const first = this.codes.get(value);
    if (first !== undefined) {
      this.fault(path, `duplicate code "${value}" (first used at ${first}): codes are unique across the whole referential`);
      return false;
    }
    this.codes.set(value, path);
    return true;
  }

  /** An array of `min`..`max` items (absence is object()'s business). Answers whether its items are worth checking. */
  list(value: unknown, path: string, min: number, max: number, emptyMessage?: string): value is unknown[] {
    if (value === undefined) return false;
    if (!Array.isArray(value)) {
      this.fault(path, 'must be an array');
      return false;
    }
    if (value.length < min) {
      this.fault(path, emptyMessage ?? `must hold at least ${min} item(s)`);
      return value.length > 0;
    }
    if (value.length > max) {
      this.fault(path, `must hold at most ${max} items (got ${value.length})`);
      return false;
    }
    return true;
  }
}

function member(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * Checks an untrusted document: types, required and unknown fields, length
 * bounds, unique codes, explicit `core` flags, modalities that cover
 * competences of their own block, a known validation rule. Answers the
 * document, or every fault with its JSON path (up to MAX_FAULTS).
 */
export function validateReferential(input: unknown): ValidationOutcome {
  const c = new Checker();
  if (c.object(input, '$', ['code', 'title', 'certifier', 'validationRule', 'blocks'], ['level', 'equivalences', 'validityYears'])) {
    c.code(input.code, '$.code');
    c.text(input.title, '$.title', LIMITS.shortText);
    c.text(input.certifier, '$.certifier', LIMITS.shortText);
    if (input.level !== undefined && !(Number.isInteger(input.level) && (input.level as number) >= 1 && (input.level as number) <= 8)) {
      c.fault('$.level', 'must be an integer from 1 to 8 (European qualification level)');
    }
    if (input.validationRule !== undefined) {
      if (typeof input.validationRule !== 'string') c.fault('$.validationRule', 'must be a string');
      else if (!(VALIDATION_RULES as readonly string[]).includes(input.validationRule)) {
        c.fault('$.validationRule', `unknown validation rule "${input.validationRule}" (known: ${VALIDATION_RULES.join(', ')})`);
      }
    }
    if (c.list(input.blocks, '$.blocks', 1, LIMITS.blocks, 'a referential has at least one block')) {
      const blocks = input.blocks as unknown[];
      const owners = competenceOwners(blocks);
      blocks.forEach((block, i) => checkBlock(c, block, `$.blocks[${i}]`, owners));
    }
    if (input.validityYears !== undefined && !(Number.isInteger(input.validityYears) && (input.validityYears as number) >= 1 && (input.validityYears as number) <= LIMITS.validityYears)) {
      c.fault('$.validityYears', `must be an integer from 1 to ${LIMITS.validityYears} (years a capitalised block counts)`);
    }
    if (c.list(input.equivalences, '$.equivalences', 0, LIMITS.itemsPerList)) {
      const blockCodes = new Set(Array.isArray(input.blocks) ? (input.blocks as Json[]).map((b) => b?.code).filter((x) => typeof x === 'string') : []);
      checkEquivalences(c, input.equivalences as unknown[], blockCodes as Set<string>);
    }
  }
  return c.faults.length === 0 ? { ok: true, document: input as ReferentialDocument } : { ok: false, faults: c.faults };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `equivalences: [{ from: { referentialId | version, block }, to }]`: a block
 * validated under another referential (or another version of this code)
 * counts for block `to` of this one. Exactly one of referentialId / version;
 * `to` names a block of this document; no pair twice.
 */
function checkEquivalences(c: Checker, list: unknown[], blocks: Set<string>): void {
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const path = `$.equivalences[${i}]`;
    if (!c.object(item, path, ['from', 'to'], [])) return;
    if (typeof item.to !== 'string' || !CODE.test(item.to)) c.fault(`${path}.to`, 'must be a block code');
    else if (!blocks.has(item.to)) c.fault(`${path}.to`, `names no block of this referential ("${item.to}")`);
    const from = item.from;
    if (!c.object(from, `${path}.from`, ['block'], ['referentialId', 'version'])) return;
    if (typeof from.block !== 'string' || !CODE.test(from.block) || from.block.length > LIMITS.code) c.fault(`${path}.from.block`, 'must be a block code');
    const hasRef = from.referentialId !== undefined;
    const hasVersion = from.version !== undefined;
    if (hasRef === hasVersion) c.fault(`${path}.from`, 'must give exactly one of referentialId and version');
    if (hasRef && (typeof from.referentialId !== 'string' || !UUID.test(from.referentialId))) c.fault(`${path}.from.referentialId`, 'must be a referential id (UUID)');
    if (hasVersion && !(Number.isInteger(from.version) && (from.version as number) >= 1)) c.fault(`${path}.from.version`, 'must be a version number (integer from 1)');
    const key = JSON.stringify([from.referentialId ?? null, from.version ?? null, from.block, item.to]);
    if (seen.has(key)) c.fault(path, 'the same equivalence is listed twice');
    seen.add(key);
  });
}

/** Which block each competence code belongs to, so a modality naming another block's competence is told so. */
function competenceOwners(blocks: unknown[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const block of blocks) {
    const b = block as Json | null;
    if (!b || typeof b !== 'object' || !Array.isArray(b.competences)) continue;
    for (const competence of b.competences as unknown[]) {
      const code = (competence as Json | null)?.code;
      if (typeof code === 'string' && !owners.has(code)) owners.set(code, String(b.code));
    }
  }
  return owners;
}

function checkBlock(c: Checker, block: unknown, path: string, owners: Map<string, string>): void {
  if (!c.object(block, path, ['code', 'title', 'competences'], ['activities', 'modalities'])) return;
  c.code(block.code, `${path}.code`);
  c.text(block.title, `${path}.title`, LIMITS.longText);

  if (c.list(block.activities, `${path}.activities`, 0, LIMITS.itemsPerList)) {
    (block.activities as unknown[]).forEach((activity, i) => {
      const ap = `${path}.activities[${i}]`;
      if (!c.object(activity, ap, ['code', 'title'], ['tasks'])) return;
      c.code(activity.code, `${ap}.code`);
      c.text(activity.title, `${ap}.title`, LIMITS.longText);
      if (c.list(activity.tasks, `${ap}.tasks`, 0, LIMITS.itemsPerList)) {
        (activity.tasks as unknown[]).forEach((task, j) => {
          const tp = `${ap}.tasks[${j}]`;
          if (!c.object(task, tp, ['code', 'title'], [])) return;
          c.code(task.code, `${tp}.code`);
          c.text(task.title, `${tp}.title`, LIMITS.longText);
        });
      }
    });
  }

  const own = new Set<string>();
  if (c.list(block.competences, `${path}.competences`, 1, LIMITS.itemsPerList, 'a block has at least one competence')) {
    (block.competences as unknown[]).forEach((competence, i) => {
      const cp = `${path}.competences[${i}]`;
      if (!c.object(competence, cp, ['code', 'title', 'criteria'], [])) return;
      if (c.code(competence.code, `${cp}.code`)) own.add(competence.code as string);
      c.text(competence.title, `${cp}.title`, LIMITS.longText);
      if (c.list(competence.criteria, `${cp}.criteria`, 1, LIMITS.itemsPerList, 'a competence has at least one evaluation criterion')) {
        (competence.criteria as unknown[]).forEach((criterion, j) => {
          const crp = `${cp}.criteria[${j}]`;
          if (!c.object(criterion, crp, ['code', 'text', 'core'], [])) return;
          c.code(criterion.code, `${crp}.code`);
          c.text(criterion.text, `${crp}.text`, LIMITS.longText);
          // `core` decides whether a criterion can ever be neutralised: it is never guessed, so it must be an explicit boolean.
          if (criterion.core !== undefined && typeof criterion.core !== 'boolean') c.fault(`${crp}.core`, 'must be true or false');
        });
      }
    });
  }

  if (c.list(block.modalities, `${path}.modalities`, 0, LIMITS.itemsPerList)) {
    (block.modalities as unknown[]).forEach((modality, i) => {
      const mp = `${path}.modalities[${i}]`;
      if (!c.object(modality, mp, ['code', 'title', 'work', 'production', 'competences'], [])) return;
      c.code(modality.code, `${mp}.code`);
      c.text(modality.title, `${mp}.title`, LIMITS.longText);
      if (modality.work !== undefined && !(WORK as readonly unknown[]).includes(modality.work)) c.fault(`${mp}.work`, `must be one of ${WORK.join(', ')}`);
      if (c.list(modality.production, `${mp}.production`, 1, PRODUCTION.length, `must name at least one kind of production (${PRODUCTION.join(', ')})`)) {
        const seen = new Set<unknown>();
        (modality.production as unknown[]).forEach((p, j) => {
          if (!(PRODUCTION as readonly unknown[]).includes(p)) c.fault(`${mp}.production[${j}]`, `must be one of ${PRODUCTION.join(', ')}`);
          else if (seen.has(p)) c.fault(`${mp}.production[${j}]`, `"${String(p)}" is listed twice`);
          seen.add(p);
        });
      }
      if (c.list(modality.competences, `${mp}.competences`, 1, LIMITS.itemsPerList, 'a modality evaluates at least one competence')) {
        const seen = new Set<unknown>();
        (modality.competences as unknown[]).forEach((ref, j) => {
          const rp = `${mp}.competences[${j}]`;
          if (typeof ref !== 'string') c.fault(rp, 'must be a competence code (string)');
          else if (!own.has(ref)) {
            const owner = owners.get(ref);
            c.fault(rp, owner !== undefined ? `competence "${ref}" belongs to block ${owner}: a modality covers competences of its own block` : `unknown competence "${ref}"`);
          }
          else if (seen.has(ref)) c.fault(rp, `"${ref}" is listed twice`);
          seen.add(ref);
        });
      }
    });
  }
}

/** One line per fault, for error messages and the CLI. */
export function describeFaults(faults: readonly ValidationFault[]): string {
  return faults.map((f) => `${f.path}: ${f.message}`).join('; ');
}
