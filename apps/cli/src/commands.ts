import type { ParseArgsConfig } from 'node:util';
import type { CommandInput } from './command';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Every CLI command as data: name, usage, flags, whether it opens the
 * database, and how to load its code. main.ts parses and answers `--help`
 * from this table alone; a command's module (and whatever it imports: Nest,
 * TypeORM, PGlite) is required only when that command runs.
 */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  /** Opens the database: on the embedded default, refused while another process holds the data directory. */
  database: boolean;
  /** What to use instead while the API runs on the embedded default. */
  whileApiRuns?: string;
  load(): Promise<{ run(input: CommandInput): Promise<number> }>;
}

export const COMMANDS: CommandSpec[] = [
  {
    name: 'token',
    summary: 'print a development token (signed with the key under DATA_DIR), valid for a day',
    usage: 'token --sub <user id> [--name "Display Name"] --role <role> [--role <role> ...] [--hours N]',
    options: { sub: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', multiple: true }, hours: { type: 'string' } },
    database: false,
    load: () => import('./commands/token.command'),
  },
  {
    name: 'referential import',
    summary: 'draft a referential version from a JSON document (same validation as POST /v1/referentials), and publish it with --publish',
    usage: 'referential import <file.json> [--publish]',
    options: { publish: { type: 'boolean' } },
    database: true,
    whileApiRuns: 'POST /v1/referentials with the document, then POST /v1/referentials/{id}/publish (see the README tour)',
    load: async () => ({ run: (await import('./commands/referential-import.command')).runImport }),
  },
  {
    name: 'referential seed',
    summary: 'draft the shipped referential "Manager marketing et commercial" (review its core flags before publishing), and publish it with --publish',
    usage: 'referential seed [--publish]',
    options: { publish: { type: 'boolean' } },
    database: true,
    whileApiRuns: 'POST /v1/referentials with libs/domain/src/referential/seed/manager-marketing-commercial.referential.json, then POST /v1/referentials/{id}/publish (see the README tour)',
    load: async () => ({ run: (await import('./commands/referential-import.command')).runSeed }),
  },
  {
    name: 'referential from-rncp',
    summary: 'write a referential document skeleton (JSON, stdout) from a fiche of the France Compétences RNCP export (XML v4.1, streamed); what it could not structure goes to stderr',
    usage: 'referential from-rncp <export.xml> --fiche RNCPnnnnn [--notes <notes.json>]',
    options: { fiche: { type: 'string' }, notes: { type: 'string' } },
    database: false,
    load: () => import('./commands/referential-from-rncp.command'),
  },
  {
    name: 'db migrate',
    summary: 'apply every database migration (run once before starting the services), then exit',
    usage: 'db migrate',
    options: {},
    database: true,
    whileApiRuns: 'nothing: the API applied every migration when it started',
    load: () => import('./commands/db-migrate.command'),
  },
  {
    name: 'accrochage export',
    summary: 'print the CDC accrochage XML flux (sealed awards not declared yet or rejected, else pending withdrawals); JSON report on stderr',
    usage: 'accrochage export [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--include-exported] [--preview] [--xsd FILE] > flux.xml',
    options: { from: { type: 'string' }, to: { type: 'string' }, 'include-exported': { type: 'boolean' }, preview: { type: 'boolean' }, xsd: { type: 'string' } },
    database: true,
    whileApiRuns: 'GET /v1/exports/accrochage (admin)',
    load: () => import('./commands/accrochage-export.command'),
  },
  {
    name: 'accrochage report',
    summary: "import the CDC's processing report of a flux (accepted and rejected passages); JSON summary on stdout",
    usage: 'accrochage report FILE',
    options: {},
    database: true,
    whileApiRuns: 'POST /v1/exports/accrochage/reports with the report (admin)',
    load: () => import('./commands/accrochage-report.command'),
  },
  {
    name: 'credentials verify',
    summary: "verify an Open Badges credential's signature offline (exit 0 valid, 1 not); --key pins the certifier's public key",
    usage: 'credentials verify <credential.json> [--key <certifier public key PEM file>]',
    options: { key: { type: 'string' } },
    database: false,
    load: () => import('./commands/credentials-verify.command'),
  },
  {
    name: 'certificate verify',
    summary: 'verify a certificate of blocks (PDF) offline: attested content, hash, Ed25519 signature, key fingerprint (exit 0 valid, 1 not); --key pins the certifier key',
    usage: 'certificate verify <blocks.pdf> [--key <certifier public key PEM file>]',
    options: { key: { type: 'string' } },
    database: false,
    load: () => import('./commands/certificate-verify.command'),
  },
  {
    name: 'audit export',
    summary: 'write the audit ledger bundle to a file (seals and signs a checkpoint first); verify it with npm run -s verify',
    usage: 'audit export <file.ndjson> [--from N]',
    options: { from: { type: 'string' } },
    database: true,
    whileApiRuns: 'GET /v1/audit/export (regulator or admin)',
    load: () => import('./commands/audit-export.command'),
  },
  {
    name: 'audit verify',
    summary: 're-verify the stored log against the ledger in the database (as GET /v1/audit/verify); exit 1 on a fault',
    usage: 'audit verify',
    options: {},
    database: true,
    whileApiRuns: 'GET /v1/audit/verify (regulator or admin)',
    load: () => import('./commands/audit-verify.command'),
  },
  {
    name: 'witness keygen',
    summary: 'make an Ed25519 key pair for a witness: FILE (private, mode 600) and FILE.pub; prints the raw public key to register',
    usage: 'witness keygen --out <file>',
    options: { out: { type: 'string' } },
    database: false,
    load: async () => ({ run: (await import('./commands/witness.command')).runKeygen }),
  },
  {
    name: 'witness cosign',
    summary: 'as a witness: fetch the latest checkpoint, check it extends the one cosigned before (--state), sign it and post the cosignature; exit 1 on inconsistency',
    usage: 'witness cosign --key <private key PEM> --name <witness name> --url <API base URL> --state <state.json> [--token T (or WITNESS_TOKEN)] [--certifier-key <public key PEM>]',
    options: { key: { type: 'string' }, name: { type: 'string' }, url: { type: 'string' }, state: { type: 'string' }, token: { type: 'string' }, 'certifier-key': { type: 'string' } },
    database: false,
    load: async () => ({ run: (await import('./commands/witness.command')).runCosign }),
  },
  {
    name: 'projections rebuild',
    summary: 'rebuild a read model from position zero beside the live one, then switch atomically (queries keep answering meanwhile)',
    usage: 'projections rebuild <projection name (see projections status)> [--batch-size N]',
    options: { 'batch-size': { type: 'string' } },
    database: true,
    whileApiRuns: 'nothing over HTTP: stop the API for the rebuild, or run on PostgreSQL (DATABASE_URL), where it runs beside the API',
    load: () => import('./commands/projections-rebuild.command'),
  },
  {
    name: 'projections status',
    summary: 'each projection: live generation, position reached, log head, lag, failure, rebuild in progress',
    usage: 'projections status [--json]',
    options: { json: { type: 'boolean' } },
    database: true,
    whileApiRuns: 'GET /v1/projections (admin)',
    load: () => import('./commands/projections-status.command'),
  },
  {
    name: 'kek rotate',
    summary: 're-wrap every personal-data key under PERSONAL_DATA_KEK_FILE (old KEKs in PERSONAL_DATA_KEK_PREVIOUS_FILES); rerun if interrupted',
    usage: 'kek rotate   (with PERSONAL_DATA_KEK_FILE=new PERSONAL_DATA_KEK_PREVIOUS_FILES=old[,older])',
    options: {},
    database: true,
    whileApiRuns: 'nothing: stop the API first (the keys must not change under it on the embedded database)',
    load: () => import('./commands/kek-rotate.command'),
  },
  {
    name: 'keys rotate',
    summary: 'rotate the ledger signing key: a SigningKeyRotated entry signed by the key in force and the new key; later checkpoints use the new key (restart the services with it)',
    usage: 'keys rotate [--new-key FILE]   (FILE: the new PKCS#8 PEM Ed25519 key, required unless on the development key; SIGNING_KEY_FILE still the old key)',
    options: { 'new-key': { type: 'string' } },
    database: true,
    whileApiRuns: 'nothing: stop the API first, rotate, then start it (with SIGNING_KEY_FILE set to the new key outside development)',
    load: () => import('./commands/keys-rotate.command'),
  },
];
