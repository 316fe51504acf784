import { checkCosignature, pemFromRaw, rawPublicKey, WITNESS_NAME } from '@app/proof/witness';
import { keyFingerprint } from '@app/proof/canonical';
import { conflict, invalid, rule } from '../shared/errors';
import { RecordedEvent, StateSpec } from '../shared/decider';
import { streamName } from '../shared/streams';

/**
 * Witnesses of the ledger: third parties (the regulator first) who cosign its
 * checkpoints, so that a certifier holding its own signing key cannot show two
 * regulators two different histories. A witness is registered by an admin
 * (`WitnessRegistered`, in stream `witness-<name>`); each cosignature it
 * posts is checked against its registered key and the stored checkpoint, then
 * recorded (`CheckpointCosigned`, in stream `cosignature-<name>@<size>`).
 * Both are events of the log, so the ledger hashes and exports them, and the
 * offline verifier (libs/proof/src/witness.js) checks them from a bundle.
 */

export interface WitnessRegistered {
  type: 'WitnessRegistered';
  data: {
    name: string;
    /** base64 of the 32 raw bytes of the Ed25519 public key */
    publicKey: string;
    /** 'sha256:' + hex SHA-256 of the key's DER (SPKI) encoding, as for the certifier's key */
    keyFingerprint: string;
  };
}

export interface CheckpointCosigned {
  type: 'CheckpointCosigned';
  data: {
    witness: string;
    /** The witness key it verified with, base64 raw: the bundle carries what a verifier needs. */
    publicKey: string;
    /** The checkpoint cosigned: the ledger's origin, its size and head. */
    origin: string;
    size: number;
    head: string;
    /** base64 of keyId (4) || timestamp (8) || Ed25519 signature (64): C2SP cosignature/v1 */
    signature: string;
    /** The witness's Unix time in the cosignature. */
    timestamp: number;
    /** The checkpoint the witness says it cosigned before this one and checked consistency from. */
    previousSize: number | null;
  };
}

export type WitnessEvent = WitnessRegistered | CheckpointCosigned;

export const witnessStream = (name: string) => streamName('witness', name);
export const cosignatureStream = (name: string, size: number) => streamName('cosignature', `${name}@${size}`);

export interface WitnessState {
  name: string | null;
  publicKey: string | null;
  keyFingerprint: string | null;
  registeredAt: string | null;
}

export const witnessSpec: StateSpec<WitnessState> = {
  initialState: () => ({ name: null, publicKey: null, keyFingerprint: null, registeredAt: null }),
  evolve: (state, event: RecordedEvent) =>
    event.type === 'WitnessRegistered'
      ? { name: event.data.name, publicKey: event.data.publicKey, keyFingerprint: event.data.keyFingerprint, registeredAt: event.recordedAt ?? null }
      : state,
};

/** The cosignatures of one witness for one checkpoint: their signatures (a retry is recognised by it). */
export interface CosignatureState {
  signatures: string[];
}

export const cosignatureSpec: StateSpec<CosignatureState> = {
  initialState: () => ({ signatures: [] }),
  evolve: (state, event: RecordedEvent) => (event.type === 'CheckpointCosigned' ? { signatures: [...state.signatures, event.data.signature] } : state),
};

export function isWitnessName(name: string): boolean {
  return WITNESS_NAME.test(name);
}

/** Register a witness key: PEM (SPKI) or base64 of the 32 raw bytes; one registration per name. */
export function decideRegisterWitness(command: { name: string; publicKey: string }, state: WitnessState): WitnessRegistered[] {
  if (!isWitnessName(command.name)) throw invalid('name: 1 to 64 of letters, digits, ".", "_", "-", starting with a letter or digit', [{ path: 'name', message: 'malformed witness name' }]);
  let raw: Buffer;
  try {
    raw = rawPublicKey(command.publicKey);
  } catch {
    throw invalid('publicKey: an Ed25519 public key, as SPKI PEM or base64 of its 32 bytes', [{ path: 'publicKey', message: 'not an Ed25519 public key' }]);
  }
  if (state.name !== null) throw conflict('WITNESS_ALREADY_REGISTERED', `witness ${command.name} is already registered`);
  const publicKey = raw.toString('base64');
  return [{ type: 'WitnessRegistered', data: { name: command.name, publicKey, keyFingerprint: keyFingerprint(pemFromRaw(raw)) } }];
}

export interface CosignCommand {
  witness: string;
  checkpoint: { origin: string; size: number; head: string };
  signature: string;
  previousSize: number | null;
}

/**
 * Record a witness's cosignature of a stored checkpoint: it must verify with the
 * witness's registered key; the same signature again records nothing.
 * `previousCosigned`: whether the witness cosigned the checkpoint at previousSize.
 */
export function decideCosign(command: CosignCommand, state: CosignatureState, context: { witness: WitnessState; previousCosigned: boolean }): CheckpointCosigned[] {
  const { witness } = context;
  if (witness.name === null || witness.publicKey === null) throw rule('WITNESS_NOT_REGISTERED', `no witness named ${command.witness} is registered`);
  if (state.signatures.includes(command.signature)) return [];
  const checked = checkCosignature(command.checkpoint, { name: command.witness, publicKey: witness.publicKey, signature: command.signature });
  if ('problem' in checked) throw rule('COSIGNATURE_INVALID', `${checked.problem}`);
  if (command.previousSize !== null && (command.previousSize >= command.checkpoint.size || !context.previousCosigned)) {
    throw rule('PREVIOUS_NOT_COSIGNED', `witness ${command.witness} cosigned no checkpoint of size ${command.previousSize} below ${command.checkpoint.size}`);
  }
  return [
    {
      type: 'CheckpointCosigned',
      data: {
        witness: command.witness,
        publicKey: witness.publicKey,
        origin: command.checkpoint.origin,
        size: command.checkpoint.size,
        head: command.checkpoint.head,
        signature: command.signature,
        timestamp: checked.timestamp,
        previousSize: command.previousSize,
      },
    },
  ];
}
