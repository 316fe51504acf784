import { generateKeyPairSync } from 'node:crypto';
import { fold } from '../shared/decider';
import { DomainError } from '../shared/errors';
import { cosignCheckpoint, rawPublicKey } from '@app/proof/witness';
import { cosignatureSpec, decideCosign, decideRegisterWitness, witnessSpec } from './witness';

const key = generateKeyPairSync('ed25519');
const pem = key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const raw = rawPublicKey(pem).toString('base64');
const checkpoint = { origin: 'cert.example', size: 10, head: 'cd'.repeat(32) };
const registered = fold(witnessSpec, decideRegisterWitness({ name: 'reg.example', publicKey: pem }, witnessSpec.initialState()));
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as DomainError).code;
  }
  return 'no error';
};

describe('witness registry and cosignatures', () => {
  it('registers a key given as PEM or raw base64, the same way, once per name', () => {
    expect(decideRegisterWitness({ name: 'reg.example', publicKey: raw }, witnessSpec.initialState())).toEqual(
      decideRegisterWitness({ name: 'reg.example', publicKey: pem }, witnessSpec.initialState()),
    );
    expect(registered).toMatchObject({ name: 'reg.example', publicKey: raw, keyFingerprint: expect.stringMatching(/^sha256:/) });
    expect(code(() => decideRegisterWitness({ name: 'reg.example', publicKey: pem }, registered))).toBe('WITNESS_ALREADY_REGISTERED');
    expect(code(() => decideRegisterWitness({ name: 'has space', publicKey: pem }, witnessSpec.initialState()))).toBe('VALIDATION_FAILED');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(code(() => decideRegisterWitness({ name: 'rsa', publicKey: rsa }, witnessSpec.initialState()))).toBe('VALIDATION_FAILED');
  });

  it('records a cosignature that verifies, once; refuses a bad one, an unknown witness, a previous size it did not cosign', () => {
    const { signature } = cosignCheckpoint(checkpoint, 'reg.example', key.privateKey, 1_700_000_000);
    const command = { witness: 'reg.example', checkpoint, signature, previousSize: null };
    const events = decideCosign(command, cosignatureSpec.initialState(), { witness: registered, previousCosigned: false });
    expect(events).toEqual([{ type: 'CheckpointCosigned', data: { witness: 'reg.example', publicKey: raw, origin: 'cert.example', size: 10, head: checkpoint.head, signature, timestamp: 1_700_000_000, previousSize: null } }]);
    expect(decideCosign(command, fold(cosignatureSpec, events), { witness: registered, previousCosigned: false })).toEqual([]);
    const other = { ...checkpoint, head: 'ce'.repeat(32) };
    expect(code(() => decideCosign({ ...command, checkpoint: other }, cosignatureSpec.initialState(), { witness: registered, previousCosigned: false }))).toBe('COSIGNATURE_INVALID');
    expect(code(() => decideCosign(command, cosignatureSpec.initialState(), { witness: witnessSpec.initialState(), previousCosigned: false }))).toBe('WITNESS_NOT_REGISTERED');
    expect(code(() => decideCosign({ ...command, previousSize: 5 }, cosignatureSpec.initialState(), { witness: registered, previousCosigned: false }))).toBe('PREVIOUS_NOT_COSIGNED');
    expect(decideCosign({ ...command, previousSize: 5 }, cosignatureSpec.initialState(), { witness: registered, previousCosigned: true })).toHaveLength(1);
  });
});
