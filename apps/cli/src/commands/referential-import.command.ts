import 'reflect-metadata';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import seedDocument from '@app/domain/referential/seed/manager-marketing-commercial.referential.json';
import { validateReferential } from '@app/domain/referential/validate';
import { DomainError, ValidationFault } from '@app/domain/shared/errors';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { DraftReferentialCommand } from '../../../api/src/referentials/draft-referential/draft-referential.handler';
import { PublishReferentialCommand } from '../../../api/src/referentials/publish-referential/publish-referential.handler';
import { ReferentialReader } from '../../../api/src/referentials/read-referentials/referential-reader';
import { CommandInput, UsageError } from '../command';
import { withHeadlessApp } from '../headless-app';

/** `referential seed [--publish]`: the shipped document. */
export async function runSeed(input: CommandInput): Promise<number> {
  if (input.positionals.length > 0) throw new UsageError(`unexpected argument ${input.positionals[0]}`);
  return importReferential(seedDocument, 'the shipped referential', input.values.publish === true);
}

/** `referential import <file.json> [--publish]`. */
export async function runImport(input: CommandInput): Promise<number> {
  const publish = input.values.publish === true;
  const positional = input.positionals;
  if (positional.length !== 1) throw new UsageError('give exactly one document file');
  const file = positional[0];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    process.stderr.write(`error: cannot read ${file}: ${(error as Error).message}\n`);
    return 1;
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    process.stderr.write(`error: ${file} is not JSON: ${(error as Error).message}\n`);
    return 1;
  }
  return importReferential(document, file, publish);
}

/**
 * Validates first (no database needed to refuse a bad file), then boots the
 * application without HTTP and runs the very command handlers the API runs,
 * as an admin actor named after the operating-system user: the events written
 * are those a POST would write.
 */
async function importReferential(document: unknown, source: string, publish: boolean): Promise<number> {
  const outcome = validateReferential(document);
  if (!outcome.ok) {
    process.stderr.write(faultReport(source, outcome.faults));
    return 1;
  }
  try {
    // This short-lived process only writes.
    return await withHeadlessApp(async (app) => {
      const bus = app.get(CommandBus);
      const actor = { id: `cli:${osUser()}`, role: 'admin' as const };
      const correlationId = randomUUID();
      const meta = (): CommandMeta => ({ actor, correlationId, commandId: randomUUID() });
      const drafted: CommandResult = await bus.execute(new DraftReferentialCommand(outcome.document, meta()));
      const view = await app.get(ReferentialReader).get(drafted.id);
      process.stdout.write(`referential ${drafted.id} drafted (version ${view.version} of ${view.code})\n`);
      if (publish) {
        await bus.execute(new PublishReferentialCommand(drafted.id, meta()));
        process.stdout.write(`referential ${drafted.id} published\n`);
      }
      return 0;
    });
  } catch (error) {
    if (error instanceof DomainError) {
      process.stderr.write(Array.isArray(error.details) && error.code === 'VALIDATION_FAILED' ? faultReport(source, error.details as ValidationFault[]) : `error: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function faultReport(source: string, faults: readonly ValidationFault[]): string {
  return `error: ${source} is not a valid referential document (${faults.length} fault${faults.length > 1 ? 's' : ''}):\n${faults.map((f) => `  ${f.path}: ${f.message}\n`).join('')}`;
}

function osUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return process.env.USER || 'unknown';
  }
}
