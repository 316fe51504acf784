import { parseArgs } from 'node:util';
import { claimEmbeddedDataDirectory } from '@app/event-store/data-directory-lock';
import { exitUnlessProductionReady, loadConfig } from '@app/platform/config';
import { COMMANDS, CommandSpec } from './commands';
import { UsageError } from './command';

/**
 * `npm run -s cli -- <command> [options]`. Only this file and the command
 * table load before the arguments are checked: `--help`, a usage error or a
 * locked data directory answer at once, and a command's own code (Nest, the
 * database driver, PGlite) is required only when it runs.
 */
const PROGRAM = 'npm run -s cli --';

function help(): string {
  const lines = [`usage: ${PROGRAM} <command> [options]`, '', 'commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(24)} ${c.summary}`);
  lines.push('', `${PROGRAM} <command> --help (or help <command>) shows the options of one command.`);
  return lines.join('\n');
}

function usage(spec: CommandSpec): string {
  const lines = [`usage: ${PROGRAM} ${spec.usage}`, '', spec.summary];
  if (spec.database) {
    lines.push(
      '',
      'Opens the database (DATABASE_URL, or the embedded one under DATA_DIR). The embedded database belongs to one',
      `process at a time: while the API runs on it, this command refuses (exit 2); use instead: ${spec.whileApiRuns}.`,
    );
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const words = argv[0] === '--' ? argv.slice(1) : argv;
  if (words.length === 0 || words[0] === 'help' || words[0] === '--help' || words[0] === '-h') {
    if (words.length <= 1) {
      process.stdout.write(`${help()}\n`);
      return 0;
    }
    const target = findCommand(words.slice(1));
    if (!target) return unknownCommand(words.slice(1));
    process.stdout.write(`${usage(target.spec)}\n`);
    return 0;
  }
  const found = findCommand(words);
  if (!found) return unknownCommand(words);
  const { spec } = found;
  let input;
  try {
    const parsed = parseArgs({ args: found.rest, options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    input = { values: parsed.values as Record<string, string | boolean | string[] | boolean[] | undefined>, positionals: parsed.positionals };
  } catch (error) {
    // parseArgs names the flag: "Unknown option '--x'", "Option '--sub <value>' argument missing".
    process.stderr.write(`error: ${(error as Error).message.split('\n')[0]}\nusage: ${PROGRAM} ${spec.usage}\n`);
    return 2;
  }
  if (input.values.help) {
    process.stdout.write(`${usage(spec)}\n`);
    return 0;
  }
  // Production never runs on development keys: one line naming what is missing, exit 2.
  exitUnlessProductionReady();
  try {
    // On the embedded default, take the data directory before loading anything: a refusal leaves no
    // trace and costs nothing (the command's own openDatabase takes the same lock again).
    if (spec.database) claimEmbeddedDataDirectory(loadConfig());
    const command = await spec.load();
    return await command.run(input);
  } catch (error) {
    return report(error, spec);
  }
}

function report(error: unknown, spec: CommandSpec): number {
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\nusage: ${PROGRAM} ${spec.usage}\n`);
    return 2;
  }
  const name = (error as Error | undefined)?.name;
  if (name === 'ConfigError') {
    process.stderr.write(`configuration error: ${(error as Error).message}\n`);
    return 2;
  }
  if (name === 'DataDirectoryLockedError') {
    process.stderr.write(`error: ${(error as Error).message}\n${spec.whileApiRuns ? `While the API runs, use instead: ${spec.whileApiRuns}.\n` : ''}`);
    return 2;
  }
  process.stderr.write(`error: ${(error as Error)?.message ?? String(error)}\n`);
  return 1;
}

function unknownCommand(words: string[]): number {
  process.stderr.write(`unknown command: ${words.join(' ')}\n\n${help()}\n`);
  return 2;
}

/** Commands may have two words ("referential import"): the longest name that matches wins. */
function findCommand(words: string[]): { spec: CommandSpec; rest: string[] } | undefined {
  for (const n of [2, 1]) {
    const name = words.slice(0, n).join(' ');
    const spec = COMMANDS.find((c) => c.name === name);
    if (spec) return { spec, rest: words.slice(n) };
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
