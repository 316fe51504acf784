import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, missingProductionSettings } from '../config';
import { blindIndexesOf, blindIndexOf, loadBlindIndexKey, normaliseForIndex } from './blind-index';

describe('blind index of identities', () => {
  const dir = mkdtempSync(join(tmpdir(), 'blind-index-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('normalises case, accents, compatibility forms and spaces', () => {
    expect(normaliseForIndex('  Élodie ')).toBe('elodie');
    expect(normaliseForIndex('ÉLODIE')).toBe('elodie');
    expect(normaliseForIndex('Jean\u00a0 -  Noël')).toBe('jean - noel');
    expect(normaliseForIndex('ﬁlippa')).toBe('filippa'); // ligature ﬁ (NFKD)
    expect(normaliseForIndex('Martinez')).not.toBe(normaliseForIndex('Martin'));
  });

  it('keys the index: equal normalised values match, other fields and other keys do not', () => {
    const file = join(dir, 'key.hex');
    writeFileSync(file, 'ab'.repeat(32));
    const key = loadBlindIndexKey({ BLIND_INDEX_KEY_FILE: file }, dir);
    const other = loadBlindIndexKey({ BLIND_INDEX_KEY_FILE: '' }, join(dir, 'dev'));
    expect(key.development).toBe(false);
    expect(other.development).toBe(true);
    expect(blindIndexOf(key, 'familyName', 'martin')).toBe(blindIndexOf(key, 'familyName', ' MARTÍN'));
    expect(blindIndexOf(key, 'familyName', 'martin')).not.toBe(blindIndexOf(key, 'givenName', 'martin'));
    expect(blindIndexOf(key, 'familyName', 'martin')).not.toBe(blindIndexOf(other, 'familyName', 'martin'));
    expect(blindIndexOf(key, 'familyName', 'martin')).toMatch(/^[0-9a-f]{64}$/);
    expect(blindIndexesOf(key, { familyName: 'Martin', givenName: '  ', email: 42 })).toEqual({
      familyName: blindIndexOf(key, 'familyName', 'martin'),
      givenName: null,
      birthDate: null,
      email: null,
    });
  });

  it('never generates a development key in production, and production names the setting it lacks', () => {
    const dataDir = join(dir, 'prod');
    expect(() => loadBlindIndexKey({ NODE_ENV: 'production' }, dataDir)).toThrow(ConfigError);
    expect(() => readdirSync(join(dataDir, 'keys'))).toThrow();
    expect(missingProductionSettings({ NODE_ENV: 'production' })).toContain('BLIND_INDEX_KEY_FILE');
    expect(missingProductionSettings({ NODE_ENV: 'production', BLIND_INDEX_KEY_FILE: '/run/secrets/blind_index_key' })).not.toContain('BLIND_INDEX_KEY_FILE');
  });
});
