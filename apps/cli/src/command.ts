import { createPublicKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
/** What a command receives: its flags, parsed and checked by main.ts against its spec, and its positional arguments. */
export interface CommandInput {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** A misuse of the command line: exit 2 with the command's usage. */
export class UsageError extends Error {}

export function stringFlag(input: CommandInput, name: string): string | undefined {
  const v = input.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** The public key a `--key <PEM file>` flag pins (the certifier's, for the offline checks), or undefined without the flag. */
export function pinnedKeyFlag(input: CommandInput): KeyObject | undefined {
  const file = stringFlag(input, 'key');
  if (!file) return undefined;
  try {
    return createPublicKey(readFileSync(file, 'utf8'));
  } catch {
    throw new UsageError(`--key: ${file} is not a readable public key PEM`);
  }
}

export function noPositionals(input: CommandInput): void {
  if (input.positionals.length) throw new UsageError(`unexpected argument ${input.positionals[0]}`);
}

/** A progress line on stderr, redrawn in place on a terminal, throttled elsewhere. */
export function progress(label: string, total?: number) {
  const started = Date.now();
  let last = 0;
  const tty = process.stderr.isTTY;
  return {
    update(done: number, force = false) {
      const now = Date.now();
      if (!force && now - last < (tty ? 200 : 5000)) return;
      last = now;
      const secs = (now - started) / 1000;
      const rate = secs > 0 ? Math.round(done / secs) : 0;
      const pct = total ? ` ${((100 * done) / total).toFixed(1)}%` : '';
      const eta = total && rate > 0 ? `, ${Math.max(0, Math.round((total - done) / rate))} s left` : '';
      const line = `${label}: ${done}${total ? `/${total}` : ''}${pct} (${rate}/s${eta})`;
      process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    },
    done(done: number) {
      this.update(done, true);
      if (tty) process.stderr.write('\n');
    },
  };
}
