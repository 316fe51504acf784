import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { claimEmbeddedDataDirectory } from '@app/event-store/data-directory-lock';
import { loadAuthConfig } from '@app/platform/auth/auth.config';
import { signDevelopmentToken } from '@app/platform/auth/token-verifier';
import { ConfigError, exitUnlessProductionReady, loadConfig } from '@app/platform/config';
import { boundPort, checkDatabaseReachable, startedListening, startupFailure } from '../startup';
import type { DemoTokens } from './demo-session';

const USAGE = `usage: npm run demo [-- --candidates N] [-- --deliberate] [-- --exit]

Starts the API (embedded database under DATA_DIR, or DATABASE_URL), plays a
realistic session through it — the shipped referential, candidates scored on
every block, accommodations, a neutralisation, a deliberation sealed, an
appeal decided by a revision jury — and prints what to open next. The API
keeps serving until Ctrl-C (--exit stops it once the session is played).

  --candidates N   how many candidates (4 to 30, default 30)
  --deliberate     stop once the jury is convened, for the president to open, decide and close
                   in the console (http://localhost:3000/console/)
  --exit           stop once the session is played
  -h, --help       this text`;

async function main(argv: string[]): Promise<number> {
  let values: { candidates?: string; deliberate?: boolean; exit?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { candidates: { type: 'string' }, deliberate: { type: 'boolean' }, exit: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const candidates = values.candidates === undefined ? 30 : Number(values.candidates);
  if (!Number.isInteger(candidates) || candidates < 4 || candidates > 30) {
    process.stderr.write(`error: --candidates must be an integer from 4 to 30\n${USAGE}\n`);
    return 2;
  }

  // Loaded once the arguments are known, so --help answers at once.
  const [{ createApp }, { runDemo }] = await Promise.all([import('../bootstrap'), import('./demo-session')]);
  exitUnlessProductionReady();
  // A session's thousands of scores come from one assessor on one address in a minute: the abuse
  // limits that protect a back office would throttle the demo. This local instance runs without
  // them unless they are set explicitly (docs/security.md, "Abuse limits").
  const config = { ...loadConfig({ RATE_LIMIT_PER_MINUTE_USER: '0', RATE_LIMIT_PER_MINUTE_IP: '0', ...process.env }), logLevel: process.env.LOG_LEVEL || 'warn' };
  const auth = loadAuthConfig(process.env, config.dataDir);
  if (auth.mode !== 'development') throw new ConfigError('the demo mints development tokens: it runs only where no identity provider is configured (never in production)');
  // As `npm start`: a held data directory or an unreachable server is one line and exit 2, before Nest boots.
  claimEmbeddedDataDirectory(config);
  await checkDatabaseReachable(config);
  const app = await createApp(config);
  await app.listen(config.port, '127.0.0.1');
  startedListening();
  const port = boundPort(app);
  const baseUrl = `http://localhost:${port}`;
  const token = (sub: string, name: string, role: string) => signDevelopmentToken(auth, { sub, name, roles: [role] }, 24);
  const tokens: DemoTokens = {
    admin: await token('admin-1', 'Back Office', 'admin'),
    assessor: await token('eval-1', 'Évaluatrice', 'assessor'),
    referent: await token('ref-1', 'Référent handicap', 'referent'),
    president: await token('pres-1', 'Claire Petit', 'jury'),
    regulator: await token('reg-1', 'Auditeur', 'regulator'),
  };

  const started = Date.now();
  process.stderr.write(`demo: API on ${baseUrl}, data ${config.databaseUrl ? 'on DATABASE_URL' : `in ${config.dataDir}`}\n`);
  const result = await runDemo({ baseUrl, tokens, candidates, until: values.deliberate ? 'convened' : 'sealed', log: (line) => process.stderr.write(`  ${line}\n`) });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (values.deliberate) {
    process.stdout.write(`
Demo session played in ${seconds} s up to the jury's convening: ${result.candidateIds.length} candidates scored, ${result.commands} commands.

Deliberate in the console, while the API runs: ${baseUrl}/console/#/juries/${result.juryId}
  (development sign-in: choose "Claire Petit — présidente du jury"; open the deliberation, neutralise, decide, close)
`);
    return keepServing(app, values.exit);
  }

  // The sealed procès-verbal, as the president reads it, written beside the data for a first look.
  const pdf = await fetch(`${baseUrl}/v1/juries/${result.juryId}/record.pdf`, { headers: { authorization: `Bearer ${tokens.president}` } });
  if (pdf.status !== 200) throw new Error(`record.pdf: ${pdf.status}`);
  const folder = join(config.dataDir, 'demo');
  mkdirSync(folder, { recursive: true });
  const pvFile = join(folder, `proces-verbal-${result.juryId}.pdf`);
  writeFileSync(pvFile, Buffer.from(await pdf.arrayBuffer()));

  process.stdout.write(`
Demo session played in ${seconds} s: ${result.candidateIds.length} candidates, ${result.commands} commands, log position ${result.lastPosition}.

The sealed procès-verbal:   file://${pvFile}

Tokens (development key, valid a day) and ids, ready to paste:
  export B=${baseUrl}
  export ADMIN=${tokens.admin}
  export PRESIDENT=${tokens.president}
  export REGULATOR=${tokens.regulator}
  export SESSION=${result.sessionId} JURY=${result.juryId} REVISION=${result.revisionJuryId} CANDIDATE=${result.appellantId}

The console, while the API runs: ${baseUrl}/console/#/juries/${result.juryId}
  (development sign-in: choose "Claire Petit — présidente du jury", or "Marc Leroy" to approve as a member)

Then, while the API runs:
  curl -s -H "Authorization: Bearer $REGULATOR" $B/v1/juries/$JURY/record.pdf -o pv-regulateur.pdf      # the same record, pseudonymised
  curl -s -H "Authorization: Bearer $PRESIDENT" $B/v1/juries/$REVISION/record.pdf -o pv-revision.pdf    # the revision jury's record
  curl -s -H "Authorization: Bearer $ADMIN" "$B/v1/candidates/$CANDIDATE/progress" -H "X-Min-Position: ${result.lastPosition}"
  curl -s -H "Authorization: Bearer $REGULATOR" "$B/v1/candidates/$CANDIDATE/history"
  curl -s -H "Authorization: Bearer $REGULATOR" $B/v1/audit/export -o ledger.ndjson && npm run -s verify -- ledger.ndjson
  open $B/docs for every route (Authorize with one of the tokens above)
`);

  return keepServing(app, values.exit);
}

async function keepServing(app: { close(): Promise<void> }, exit: boolean | undefined): Promise<number> {
  if (exit) {
    await app.close();
    return 0;
  }
  process.stderr.write('The API keeps serving: Ctrl-C to stop.\n');
  return new Promise<number>(() => undefined);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    const { line, exitCode } = startupFailure(error);
    process.stderr.write(`${line}\n`);
    process.exit(exitCode);
  },
);
