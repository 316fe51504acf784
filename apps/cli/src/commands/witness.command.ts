import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { verifyCheckpointSignature } from '@app/proof/canonical';
import { cosignCheckpoint, foldLeaves, rawPublicKey, WITNESS_NAME } from '@app/proof/witness';
import { CommandInput, noPositionals, stringFlag, UsageError } from '../command';

/**
 * The witness's side of the protocol (docs/auditors.md "Witnesses"), meant for a
 * cron line: fetch the latest checkpoint, check that it extends the last one this
 * witness cosigned (kept in a state file), sign, post. Never opens the database:
 * it talks to the API like any regulator's tool would.
 */

/** What the witness remembers between two runs: the last checkpoint it cosigned. */
export interface WitnessState {
  url: string;
  origin: string;
  size: number;
  head: string;
  cosignedAt: string;
}

export interface HttpAnswer {
  status: number;
  body: any;
}
/** One request to the API: the command line uses fetch; a test may pass its own. */
export type WitnessHttp = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<HttpAnswer>;

export interface CosignOptions {
  name: string;
  privateKey: KeyObject;
  statePath: string;
  url: string;
  http: WitnessHttp;
  /** The certifier's public key (PEM): the checkpoint must be signed by it. */
  certifierKeyPem?: string;
  now?: () => Date;
  log?: (line: string) => void;
}

/** The log is not consistent with what this witness cosigned before: never sign, tell a human. */
export class InconsistencyError extends Error {}

/** A failure to talk to the API or to read the state: nothing was decided. */
export class WitnessRunError extends Error {}

function expectOk(answer: HttpAnswer, what: string, status = 200): any {
  if (answer.status !== status) throw new WitnessRunError(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** One cosigning run. Resolves to the checkpoint cosigned (or already cosigned). */
export async function cosignLatest(options: CosignOptions): Promise<{ size: number; head: string; posted: boolean; position?: number }> {
  const log = options.log ?? (() => undefined);
  const cp = expectOk(await options.http('GET', '/v1/audit/checkpoints/latest'), 'GET /v1/audit/checkpoints/latest');
  if (options.certifierKeyPem !== undefined && !verifyCheckpointSignature(cp, options.certifierKeyPem)) {
    throw new InconsistencyError(`the latest checkpoint (size ${cp.size}, head ${cp.head}) is not signed by the certifier key given with --certifier-key`);
  }
  let state: WitnessState | null = null;
  if (existsSync(options.statePath)) {
    try {
      state = JSON.parse(readFileSync(options.statePath, 'utf8')) as WitnessState;
    } catch (error) {
      throw new WitnessRunError(`cannot read the state file ${options.statePath}: ${(error as Error).message}`);
    }
  }
  if (state) {
    if (state.origin !== cp.origin) throw new InconsistencyError(`the log's origin changed: ${JSON.stringify(cp.origin)}, cosigned before: ${JSON.stringify(state.origin)}`);
    if (cp.size < state.size) {
      throw new InconsistencyError(`the log shrank: the latest checkpoint has size ${cp.size}, this witness cosigned size ${state.size} (head ${state.head})`);
    }
    if (cp.size === state.size && cp.head !== state.head) {
      throw new InconsistencyError(`fork: checkpoint size ${cp.size} now has head ${cp.head}, this witness cosigned head ${state.head}`);
    }
    if (cp.size === state.size) {
      log(`checkpoint size ${cp.size} (head ${cp.head}) was already cosigned: nothing to do`);
      return { size: cp.size, head: cp.head, posted: false };
    }
    // The consistency proof: the leaves state.size+1..cp.size, folded from the head cosigned before.
    let head = state.head;
    let start: number | null = state.size + 1;
    while (start !== null) {
      const page = expectOk(await options.http('GET', `/v1/audit/consistency?from=${state.size}&to=${cp.size}&start=${start}`), 'GET /v1/audit/consistency');
      if (page.from.head !== state.head) {
        throw new InconsistencyError(`fork: the log now gives head ${page.from.head} at size ${state.size}, this witness cosigned head ${state.head}`);
      }
      if (page.start !== start || !Array.isArray(page.leaves)) throw new WitnessRunError('GET /v1/audit/consistency: the page does not start where asked');
      head = foldLeaves(head, page.leaves);
      start = page.next;
    }
    if (head !== cp.head) {
      throw new InconsistencyError(`the checkpoint (size ${cp.size}, head ${cp.head}) does not extend the one cosigned before (size ${state.size}, head ${state.head}): the leaves fold to ${head}`);
    }
  }
  const now = (options.now ?? (() => new Date()))();
  const { signature } = cosignCheckpoint(cp, options.name, options.privateKey, Math.floor(now.getTime() / 1000));
  const recorded = expectOk(
    await options.http('POST', `/v1/audit/checkpoints/${cp.size}/cosignatures`, { witness: options.name, signature, ...(state ? { previousSize: state.size } : {}) }),
    `POST /v1/audit/checkpoints/${cp.size}/cosignatures`,
    201,
  );
  const next: WitnessState = { url: options.url, origin: cp.origin, size: cp.size, head: cp.head, cosignedAt: now.toISOString() };
  // Written aside then renamed: a crash never leaves a half-written state.
  writeFileSync(`${options.statePath}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(`${options.statePath}.tmp`, options.statePath);
  log(`cosigned checkpoint size ${cp.size}, head ${cp.head}`);
  return { size: cp.size, head: cp.head, posted: true, position: recorded.position };
}

function fetchHttp(url: string, token: string): WitnessHttp {
  return async (method, path, body) => {
    const res = await fetch(`${url.replace(/\/+$/, '')}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text for the message
    }
    return { status: res.status, body: parsed };
  };
}

function required(input: CommandInput, name: string): string {
  const value = stringFlag(input, name);
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

/** `witness cosign --key FILE --name NAME --url URL --state FILE [--token T] [--certifier-key PEM]` */
export async function runCosign(input: CommandInput): Promise<number> {
  noPositionals(input);
  const name = required(input, 'name');
  if (!WITNESS_NAME.test(name)) throw new UsageError('--name: 1 to 64 of letters, digits, ".", "_", "-"');
  const keyFile = required(input, 'key');
  const url = required(input, 'url');
  const statePath = required(input, 'state');
  const token = stringFlag(input, 'token') ?? process.env.WITNESS_TOKEN;
  if (!token) throw new UsageError('a token is required: --token, or WITNESS_TOKEN in the environment');
  let privateKey: KeyObject;
  let certifierKeyPem: string | undefined;
  try {
    privateKey = createPrivateKey(readFileSync(keyFile, 'utf8'));
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 private key');
    const certifierKey = stringFlag(input, 'certifier-key');
    if (certifierKey !== undefined) certifierKeyPem = readFileSync(certifierKey, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read a key: ${(error as Error).message}`);
  }
  try {
    await cosignLatest({ name, privateKey, statePath, url, http: fetchHttp(url, token), certifierKeyPem, log: (line) => process.stdout.write(`${line}\n`) });
    return 0;
  } catch (error) {
    if (error instanceof InconsistencyError) {
      process.stderr.write(`INCONSISTENT, not cosigned: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`witness cosign failed: ${(error as Error).message}\n`);
    return 3;
  }
}

/** `witness keygen --out FILE`: FILE (private key, PKCS#8 PEM, mode 600) and FILE.pub (SPKI PEM). */
export async function runKeygen(input: CommandInput): Promise<number> {
  noPositionals(input);
  const out = required(input, 'out');
  if (existsSync(out) || existsSync(`${out}.pub`)) throw new UsageError(`${out} or ${out}.pub exists: refusing to overwrite a key`);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(out, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  writeFileSync(`${out}.pub`, pem);
  const raw = rawPublicKey(createPublicKey(pem)).toString('base64');
  process.stdout.write(`private key: ${out} (keep it on the witness's machine only)\npublic key: ${out}.pub\nraw public key (base64): ${raw}\n` +
    `register it (admin): POST /v1/audit/witnesses {"name": "<witness name>", "publicKey": "${raw}"}\n`);
  return 0;
}
