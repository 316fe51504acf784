import { loadAuthConfig } from '@app/platform/auth/auth.config';
import { signDevelopmentToken } from '@app/platform/auth/token-verifier';
import { isProduction, loadConfig } from '@app/platform/config';
import { ROLES } from '@app/domain/shared/decider';
import { CommandInput, noPositionals, stringFlag, UsageError } from '../command';

/** Never opens the database: it reads (or on first use creates) the development key under DATA_DIR. */
export async function run(input: CommandInput): Promise<number> {
  if (isProduction()) throw new UsageError('refused with NODE_ENV=production: tokens come from the identity provider, never from a development key');
  noPositionals(input);
  const sub = stringFlag(input, 'sub');
  const roles = (input.values.role as string[] | undefined) ?? [];
  if (!sub) throw new UsageError('--sub is required');
  if (roles.length === 0) throw new UsageError('at least one --role is required');
  for (const r of roles) if (!ROLES.includes(r as never)) throw new UsageError(`unknown role ${r} (roles: ${ROLES.join(', ')})`);
  const hoursFlag = stringFlag(input, 'hours');
  const hours = hoursFlag !== undefined ? Number(hoursFlag) : 24;
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) throw new UsageError('--hours must be between 0 and 720');
  const config = loadConfig();
  const auth = loadAuthConfig(process.env, config.dataDir);
  if (auth.mode !== 'development') throw new UsageError('an identity provider is configured: tokens come from it, not from this command');
  process.stdout.write(`${await signDevelopmentToken(auth, { sub, name: stringFlag(input, 'name'), roles }, hours)}\n`);
  return 0;
}
