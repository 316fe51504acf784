/** One CLI command: `npm run -s cli -- <name> [args]`. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Resolves to the process exit code. Data goes to stdout, messages and progress to stderr. */
  run(args: string[]): Promise<number>;
}

export class UsageError extends Error {}

/** Minimal flag parser: --flag value, --flag=value, repeated flags collect, the rest are positional. */
export function parseArgs(args: string[], booleans: string[] = []): { flags: Record<string, string[]>; positional: string[] } {
  const flags: Record<string, string[]> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      let value: string;
      if (eq > 0) value = arg.slice(eq + 1);
      else if (booleans.includes(name)) value = 'true';
      else {
        if (i + 1 >= args.length) throw new UsageError(`--${name} needs a value`);
        value = args[++i];
      }
      (flags[name] ??= []).push(value);
    } else positional.push(arg);
  }
  return { flags, positional };
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
