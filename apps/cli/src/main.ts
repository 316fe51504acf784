import 'reflect-metadata';
import { ConfigError, exitUnlessProductionReady } from '@app/platform/config';
import { CliCommand, UsageError } from './command';
import { tokenCommand } from './commands/token.command';
import { dbMigrateCommand } from './commands/db-migrate.command';
import { accrochageExportCommand } from './commands/accrochage-export.command';
import { accrochageReportCommand } from './commands/accrochage-report.command';
import { credentialsVerifyCommand } from './commands/credentials-verify.command';
import { referentialImportCommand, referentialSeedCommand } from './commands/referential-import.command';
import { referentialFromRncpCommand } from './commands/referential-from-rncp.command';
import { auditExportCommand } from './commands/audit-export.command';
import { auditVerifyCommand } from './commands/audit-verify.command';
import { projectionsRebuildCommand } from './commands/projections-rebuild.command';
import { projectionsStatusCommand } from './commands/projections-status.command';
import { kekRotateCommand } from './commands/kek-rotate.command';

/** Every CLI command, in the order `help` lists them. */
const COMMANDS: CliCommand[] = [tokenCommand, referentialImportCommand, referentialSeedCommand, referentialFromRncpCommand, dbMigrateCommand, accrochageExportCommand, accrochageReportCommand, credentialsVerifyCommand, auditExportCommand, auditVerifyCommand, projectionsRebuildCommand, projectionsStatusCommand, kekRotateCommand];

function help(): string {
  const lines = ['usage: npm run -s cli -- <command> [options]', '', 'commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(28)} ${c.summary}`);
  lines.push('', 'npm run -s cli -- help <command> shows the options of one command.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const words = argv.filter((a) => a !== '--');
  if (words.length === 0 || words[0] === 'help' || words[0] === '--help' || words[0] === '-h') {
    const target = words[1] ? findCommand(words.slice(1)) : undefined;
    process.stdout.write(`${target ? `usage: npm run -s cli -- ${target.command.usage}\n\n${target.command.summary}` : help()}\n`);
    return 0;
  }
  exitUnlessProductionReady();
  const found = findCommand(words);
  if (!found) {
    process.stderr.write(`unknown command: ${words.join(' ')}\n\n${help()}\n`);
    return 2;
  }
  try {
    return await found.command.run(found.rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\nusage: npm run -s cli -- ${found.command.usage}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}

/** Commands may have two words ("referential import"): the longest name that matches wins. */
function findCommand(words: string[]): { command: CliCommand; rest: string[] } | undefined {
  for (const n of [2, 1]) {
    const name = words.slice(0, n).join(' ');
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, rest: words.slice(n) };
  }
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
