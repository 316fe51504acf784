import { existsSync } from 'node:fs';
import { cdcIdentifierProblems } from '@app/domain/exports/accrochage';
import { boolean, ConfigError, integer } from './config';

/** Settings of the operational features: readiness, shutdown, the CDC accrochage export and credentials. */
export interface OperationsConfig {
  /** /health/ready answers 503 while a projection lags the log head by more than this many events. */
  readinessMaxProjectionLag: number;
  /** Upper bound on a graceful shutdown; past it the process exits with status 1. */
  shutdownTimeoutMs: number;
  /** The certifier's identifiers at the Caisse des Dépôts (unset: the export is refused with a clear message). */
  cdc: { emitterId?: string; certifierId?: string; contractId?: string; deadlineWarningDays: number; /** CDC_XSD_FILE: the certifier's XSD every flux validates against. */ xsdFile?: string };
  /**
   * The procès-verbal: where the jury sits ("Fait à … le …"; unset, a blank to fill in by hand), and whether
   * the president's approval of the sealed record is needed before it counts as final for the CDC export and
   * the credentials (RECORD_APPROVAL_REQUIRED, default true).
   */
  record: { place?: string; approvalRequired: boolean };
  credentials: {
    /** Issuer id (a DID or an https URL); unset: the did:key of the signing key. */
    issuerId?: string;
    /** Public base URL of this API, used for the status list URL of issued credentials. */
    publicBaseUrl: string;
  };
}

const CDC_ID = /^[A-Za-z0-9._-]{1,50}$/;

export function loadOperationsConfig(env: NodeJS.ProcessEnv = process.env): OperationsConfig {
  const port = env.PORT || '3000';
  const config = operationsConfig(env, port);
  // The flux's own bounds (idClient 8 characters, idContrat 1 to 20): a wrong identifier stops the process at start, not the export months later.
  const problems = cdcIdentifierProblems(config.cdc);
  if (problems.length) throw new ConfigError(problems.join('; '));
  return config;
}

function xsdFile(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!existsSync(raw)) throw new ConfigError(`CDC_XSD_FILE: no file at "${raw}"`);
  return raw;
}

function operationsConfig(env: NodeJS.ProcessEnv, port: string): OperationsConfig {
  return {
    readinessMaxProjectionLag: integer(env, 'READINESS_MAX_PROJECTION_LAG', 1000, 0, 1_000_000_000),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 25_000, 100, 600_000),
    cdc: {
      emitterId: optional(env, 'CDC_EMITTER_ID', CDC_ID),
      certifierId: optional(env, 'CDC_CERTIFIER_ID', CDC_ID) ?? optional(env, 'CDC_EMITTER_ID', CDC_ID),
      contractId: optional(env, 'CDC_CONTRACT_ID', CDC_ID),
      deadlineWarningDays: integer(env, 'ACCROCHAGE_DEADLINE_WARNING_DAYS', 30, 0, 92),
      xsdFile: xsdFile(env.CDC_XSD_FILE),
    },
    record: { place: place(env.RECORD_PLACE), approvalRequired: boolean(env, 'RECORD_APPROVAL_REQUIRED', true) },
    credentials: {
      issuerId: issuer(env.CREDENTIAL_ISSUER_ID),
      publicBaseUrl: baseUrl(env.PUBLIC_BASE_URL || `http://localhost:${port}`),
    },
  };
}

function optional(env: NodeJS.ProcessEnv, name: string, re: RegExp): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!re.test(raw)) throw new ConfigError(`${name} must be 1 to 50 letters, digits, '.', '_' or '-', got "${raw}"`);
  return raw;
}

function place(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (raw.trim().length > 80 || /[\u0000-\u001f\u007f]/.test(raw)) throw new ConfigError('RECORD_PLACE must be a town name of at most 80 printable characters');
  return raw.trim();
}

function issuer(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (/^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$/.test(raw)) return raw;
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:' || url.hostname === 'localhost') return raw;
  } catch {
    // fall through
  }
  throw new ConfigError(`CREDENTIAL_ISSUER_ID must be a DID (did:web:…, did:key:…) or an https URL, got "${raw}"`);
}

function baseUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
    return raw.replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`PUBLIC_BASE_URL must be an http(s) URL, got "${raw}"`);
  }
}
