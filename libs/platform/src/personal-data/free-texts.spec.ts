import { loadConfig } from '../config';
import { FreeTexts } from './free-texts';
import { PersonalDataVault } from './vault';

const vault = { seal: async (kid: string, value: unknown) => ({ alg: 'A256GCM', kid, iv: 'iv', ct: `sealed:${String(value)}`, tag: 't' }) } as unknown as PersonalDataVault;

describe('FreeTexts', () => {
  it('seals the trimmed text under the candidate’s key, null when blank, and hands motivations over with their length and the configured minimum', async () => {
    const texts = new FreeTexts(vault, loadConfig({ MOTIVATION_MIN_LENGTH: '4' }));
    expect(await texts.seal('c1', '  salle isolée ', { path: 'note' })).toMatchObject({ kid: 'c1', ct: 'sealed:salle isolée' });
    expect(await texts.seal('c1', '   ', { path: 'note' })).toBeNull();
    expect(await texts.motivation('c1', ' épreuve ')).toEqual({ sealed: expect.objectContaining({ ct: 'sealed:épreuve' }), length: 7, minLength: 4 });
    expect(new FreeTexts(vault, loadConfig({})).motivationMinLength).toBe(10);
    expect(() => loadConfig({ MOTIVATION_MIN_LENGTH: '0' })).toThrow(/MOTIVATION_MIN_LENGTH/);
  });
});
