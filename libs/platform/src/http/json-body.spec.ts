import { hostileJsonProblem } from './json-body';

const check = (text: string, depth = 32) => hostileJsonProblem(Buffer.from(text, 'utf8'), depth);
const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('hostileJsonProblem (raw body scan before JSON.parse)', () => {
  it('accepts ordinary bodies, up to the depth limit, with escapes and brackets inside strings', () => {
    expect(check('{"givenName":"Zoé","blocks":[{"code":"BC01"}]}')).toBeUndefined();
    expect(check(nested(32))).toBeUndefined();
    expect(check(JSON.stringify({ note: '[[[[[[[[[[ {{{{ \\" \\\\ "' }), 2)).toBeUndefined();
    expect(check('"\\ud83d\\ude00 and 😀"')).toBeUndefined(); // a proper surrogate pair, and the same character in UTF-8
  });

  it('refuses nesting past the limit, whatever the mix of arrays and objects', () => {
    expect(check(nested(33))).toMatch(/deeper than 32/);
    expect(check('{"a":'.repeat(40) + '1' + '}'.repeat(40))).toMatch(/deeper than 32/);
    expect(check(nested(3000))).toMatch(/deeper than 32/);
    expect(check('['.repeat(33))).toMatch(/deeper/); // truncated too: refused all the same
  });

  it('refuses lone surrogates, high or low, at the end of a string or followed by anything else', () => {
    for (const s of ['"\\ud800"', '"\\uD800x"', '"\\udc00"', '"a\\ud800\\u0041"', '{"k\\udfff":1}', '"\\ud800\\ud800"']) expect(check(s)).toMatch(/lone UTF-16 surrogate/);
  });

  it('does not mistake an escaped backslash before "u" for an escape', () => {
    expect(check('"\\\\ud800"')).toBeUndefined(); // the text \ud800, six plain characters
  });

  it('leaves malformed JSON to the parser (no throw, no false alarm)', () => {
    for (const s of ['{"givenName": "Li', '{"a": "\\u12', '[1,2', '']) expect(check(s)).toBeUndefined();
  });
});
