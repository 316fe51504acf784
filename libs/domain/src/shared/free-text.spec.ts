import { meaningfulText, motivationRule } from './free-text';

const sealed = { alg: 'A256GCM' as const, kid: 'c1', iv: 'iv', ct: 'ct', tag: 't' };

describe('free texts', () => {
  it('trims, turns a blank text into null, refuses a text too long (400) or too short (422)', () => {
    expect(meaningfulText('  une raison  ', { path: 'reason' })).toBe('une raison');
    expect(meaningfulText('   ', { path: 'reason' })).toBeNull();
    expect(meaningfulText(undefined, { path: 'reason' })).toBeNull();
    expect(() => meaningfulText('x'.repeat(2001), { path: 'reason' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => meaningfulText(42, { path: 'reason' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => meaningfulText(' ok ', { path: 'motivation', min: 10, requiredCode: 'MOTIVATION_REQUIRED' })).toThrow(expect.objectContaining({ code: 'MOTIVATION_REQUIRED' }));
  });

  it('the motivation rule: required and missing or short → MOTIVATION_REQUIRED, optional and short → MOTIVATION_TOO_SHORT', () => {
    const of = (length: number) => ({ sealed, length, minLength: 10 });
    expect(() => motivationRule(null, true, 'x')).toThrow(expect.objectContaining({ code: 'MOTIVATION_REQUIRED' }));
    expect(() => motivationRule(of(9), true, 'x')).toThrow(expect.objectContaining({ code: 'MOTIVATION_REQUIRED' }));
    expect(() => motivationRule(of(9), false, 'x')).toThrow(expect.objectContaining({ code: 'MOTIVATION_TOO_SHORT' }));
    expect(motivationRule(of(10), true, 'x')).toBe(sealed);
    expect(motivationRule(null, false, 'x')).toBeNull();
  });
});
