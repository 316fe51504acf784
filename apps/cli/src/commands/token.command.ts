import { loadAuthConfig } from '@app/platform/auth/auth.config';
import { signDevelopmentToken } from '@app/platform/auth/token-verifier';
import { isProduction, loadConfig } from '@app/platform/config';
import { ROLES } from '@app/domain/shared/decider';
import { CliCommand, parseArgs, UsageError } from '../command';

export const tokenCommand: CliCommand = {
  name: 'token',
  summary: 'print a development token (signed with the key under DATA_DIR), valid for a day',
  usage: 'token --sub <user id> [--name "Display Name"] --role <role> [--role <role> ...] [--hours N]',
  async run(args) {
    if (isProduction()) throw new UsageError('refused with NODE_ENV=production: tokens come from the identity provider, never from a development key');
    const { flags } = parseArgs(args);
    const sub = flags.sub?.[0];
    const roles = flags.role ?? [];
    if (!sub) throw new UsageError('--sub is required');
    if (roles.length === 0) throw new UsageError('at least one --role is required');
    for (const r of roles) if (!ROLES.includes(r as never)) throw new UsageError(`unknown role ${r} (roles: ${ROLES.join(', ')})`);
    const hours = flags.hours ? Number(flags.hours[0]) : 24;
    if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) throw new UsageError('--hours must be between 0 and 720');
    const config = loadConfig();
    const auth = loadAuthConfig(process.env, config.dataDir);
    if (auth.mode !== 'development') throw new UsageError('an identity provider is configured: tokens come from it, not from this command');
    process.stdout.write(`${await signDevelopmentToken(auth, { sub, name: flags.name?.[0], roles }, hours)}\n`);
    return 0;
  },
};
