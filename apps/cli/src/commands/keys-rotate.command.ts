import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isProduction, loadConfig } from '@app/platform/config';
import { installDevelopmentKey, loadSigningKey, readSigningKeyFile, stageDevelopmentKey } from '@app/platform/signing/signing-key';
import { KeyRotationNotSealedError } from '@app/platform/ledger/ledger.service';
import { CommandInput, noPositionals, stringFlag, UsageError } from '../command';
import { withLedger } from './audit-export.command';

/**
 * Rotates the ledger's signing key: a SigningKeyRotated event, signed by the key in force (the one
 * configured) and by the new key, then the checkpoint covering it signed by the new key. With a
 * configured key (production) the new key is `--new-key FILE`, and the processes are restarted with
 * it; with the development key, a new one is generated (or taken from --new-key) and becomes the
 * development key of the data directory.
 */
export async function run(input: CommandInput): Promise<number> {
  noPositionals(input);
  const config = loadConfig();
  const current = loadSigningKey(process.env, config.dataDir);
  const file = stringFlag(input, 'new-key');
  if (!file && (!current.development || isProduction(process.env))) {
    throw new UsageError('give the new key: --new-key FILE (a PKCS#8 PEM Ed25519 key), with the key in force still in SIGNING_KEY_FILE / SIGNING_KEY_PEM');
  }
  const next: KeyObject = file ? readSigningKeyFile(file) : generateKeyPairSync('ed25519').privateKey;
  return withLedger(async (ledger) => {
    const staged = current.development ? stageDevelopmentKey(config.dataDir, next) : null;
    let result;
    try {
      result = await ledger.rotateKey(next, { id: `cli:${userInfo().username}`, role: 'admin' });
    } catch (error) {
      // Rotated but not sealed yet: the new key is the ledger's all the same. Not rotated: the staged key is useless.
      if (staged && error instanceof KeyRotationNotSealedError) installDevelopmentKey(config.dataDir, staged);
      else if (staged) rmSync(staged, { force: true });
      throw error;
    }
    const { rotation, checkpoint } = result;
    const installed = staged ? installDevelopmentKey(config.dataDir, staged) : null;
    process.stdout.write(
      `${JSON.stringify({ previousKeyFingerprint: rotation.previousKeyFingerprint, keyFingerprint: rotation.keyFingerprint, after: rotation.after.size, checkpoint: { size: checkpoint.size, head: checkpoint.head } })}\n`,
    );
    process.stderr.write(
      `signing key rotated: ${rotation.previousKeyFingerprint} -> ${rotation.keyFingerprint}; the checkpoint at size ${checkpoint.size} is signed by the new key\n` +
        (installed
          ? `the new key is the development key of ${config.dataDir} (${installed}); the old one is kept beside it, retired\n`
          : `now set SIGNING_KEY_FILE to ${file} for every process (API, projector, CLI) and restart them: until then they seal but sign nothing\n`),
    );
    return 0;
  });
}
