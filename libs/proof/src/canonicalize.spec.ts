import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalize, leafHash, leafHashOfCanonical, sha256Hex } from './canonical';

/**
 * canonicalize() writes canonical JSON straight into UTF-8 bytes (escaping strings itself instead
 * of calling JSON.stringify per string, sorting keys without Array.prototype.sort when it can),
 * and leafHash() hashes those bytes without building the canonical string. Every stored leaf,
 * idempotency key and jury seal was computed by the earlier implementation below, so the output
 * must stay byte for byte the same: these tests compare the two on random and adversarial inputs.
 */

/** The implementation canonicalize() had before (strings built with JSON.stringify, a Set for cycles). */
function reference(value: unknown): string {
  return serialize(value, new Set());
}

function serialize(value: any, ancestors: Set<object>): string {
  if (value !== null && typeof value === 'object' && typeof value.toJSON === 'function') value = value.toJSON();
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalize: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalize: a ${typeof value} is not a JSON value`);
  }
  if (value === null) return 'null';
  if (ancestors.has(value)) throw new TypeError('canonicalize: cyclic structure');
  ancestors.add(value);
  const parts: string[] = [];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) parts.push(serialize(value[i], ancestors));
  } else {
    for (const key of Object.keys(value).sort()) {
      if (value[key] !== undefined) parts.push(JSON.stringify(key) + ':' + serialize(value[key], ancestors));
    }
  }
  ancestors.delete(value);
  return Array.isArray(value) ? `[${parts.join(',')}]` : `{${parts.join(',')}}`;
}

const referenceLeaf = (e: any) =>
  createHash('sha256')
    .update(reference({ eventId: e.eventId, streamId: e.streamId, version: e.version, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata }))
    .digest('hex');

/** Same output, or the same TypeError. */
function expectSame(value: unknown): void {
  let expected: string;
  try {
    expected = reference(value);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    expect(() => canonicalize(value)).toThrow(new TypeError((error as Error).message));
    return;
  }
  const actual = canonicalize(value);
  expect(actual).toBe(expected);
  expect(Buffer.from(actual, 'utf8').equals(Buffer.from(expected, 'utf8'))).toBe(true);
  expect(sha256Hex(actual)).toBe(sha256Hex(expected));
}

// Any UTF-16 code unit, lone surrogates included, with the characters JSON escapes over-represented.
const codeUnit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('"', '\\', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\u007f', '\u0080', '\u07ff', '\u0800', '\u2028', '\u2029', '\ud800', '\udbff', '\udc00', '\udfff', '\ufeff', '\uffff', '😀', 'é', '€', '/'),
);
const anyString = fc.oneof(fc.string({ unit: codeUnit, maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ maxLength: 30 }));
const anyNumber = fc.oneof(
  fc.double(), // includes -0, NaN, ±Infinity, subnormals, the largest doubles
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(0, -0, 1e21, 1e-7, 1e20, 5e-324, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 0.1, 1 / 3, 333333333.33333329, 1e308),
);
const anyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    anyString,
    anyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 8 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', 'A', '1', '10', '2', 'é', '😀', '\ud800', ''), tie('value'), { maxKeys: 20 }),
    fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(anyString, anyNumber), { minKeys: 17, maxKeys: 30 }), // the Array.prototype.sort path
  ),
})).value;

describe('canonicalize: byte-identical to the earlier implementation', () => {
  it('on random JSON values with any code units, numbers and key orders', () => {
    fc.assert(fc.property(anyJson, (value) => expectSame(value)), { numRuns: 2000 });
  });

  it('on what JSON.parse returns (the verifier only ever canonicalizes parsed lines)', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => expectSame(JSON.parse(JSON.stringify(value)))), { numRuns: 1000 });
  });

  it('on tricky strings: every escape, lone and paired surrogates, non-BMP characters', () => {
    const samples = [
      '', '"', '\\', '/', '\u0000\u0001\u0007\b\t\n\u000b\f\r\u000e\u001f', '\u007f\u0080\u00ff\u0100\u07ff\u0800\uffff',
      '\ud800', '\udfff', 'a\ud800b', '\udc00\ud800', '\ud83d\ude00', '\ud83d\ude00\ud83d', '\ude00\ud83d\ude00', '\u2028\u2029', 'é€😀\u{10ffff}',
    ];
    for (const s of samples) {
      expectSame(s);
      expectSame({ [s]: s, [`${s}x`]: [s] });
    }
    let all = '';
    for (let c = 0; c < 0x10000; c++) all += String.fromCharCode(c);
    expectSame(all);
    expectSame({ k: all });
  });

  it('on numbers: -0, integers, the largest and smallest doubles, exponent forms', () => {
    for (const n of [0, -0, 1, -1, 0.5, 1e21, 1e-7, 1e20, 123e-20, 5e-324, -5e-324, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, -(2 ** 53), 2 ** 64, 4.35, 0.000001]) expectSame(n);
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => expectSame({ n, a: [n] })), { numRuns: 2000 });
  });

  it('on nesting, unsorted and numeric-looking keys, undefined members, toJSON, shared references', () => {
    const shared = { z: 1, a: [1, { y: 2, x: undefined }] };
    expectSame({ b: shared, a: shared, '10': 1, '9': 2, '': 0, é: { '😀': 1, '\uffff': 2, '\ud800': 3 }, when: new Date(86_400_000), u: undefined });
    let deep: any = 'leaf';
    for (let i = 0; i < 2000; i++) deep = i % 2 ? [deep] : { k: deep };
    expectSame(deep);
    expectSame(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${(i * 7919) % 300}`, i])));
  });

  it('throws the same TypeError on non-JSON values', () => {
    const cyclic: any = { a: [] };
    cyclic.a.push(cyclic);
    const cyclicArray: any[] = [];
    cyclicArray.push({ x: cyclicArray });
    for (const bad of [NaN, Infinity, -Infinity, () => 1, Symbol('s'), 10n, undefined, cyclic, cyclicArray, { f: () => 1 }, [undefined], { n: NaN }, [1, , 3], { d: { toJSON: () => undefined } }]) {
      expectSame(bad);
    }
    // A failed call leaves nothing behind for the next one.
    expect(canonicalize({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('is re-entrant (a toJSON that canonicalizes) and copes with values larger than its buffer', () => {
    const inner = { toJSON: () => canonicalize({ y: 1, x: [2, 'é'] }) };
    expectSame({ b: inner, a: [inner, { c: inner }] });
    const big = 'é😀"\u0001'.repeat(300_000);
    expectSame({ big, list: [big, big] });
    expectSame({ after: 'a small value again' });
  });
});

describe('leafHash: the canonical bytes hashed without building the canonical object', () => {
  const event = fc.record(
    {
      eventId: fc.oneof(fc.uuid(), anyString),
      streamId: anyString,
      version: anyNumber,
      type: anyString,
      schemaVersion: fc.oneof(fc.integer(), fc.constant(undefined)),
      data: anyJson,
      metadata: fc.oneof(anyJson, fc.constant(undefined)),
      position: fc.integer(),
    },
    { requiredKeys: ['eventId', 'streamId', 'version', 'type', 'data'] },
  );

  it('equals SHA-256 of the earlier canonical JSON of the seven fields, or throws the same TypeError', () => {
    fc.assert(
      fc.property(event, (e) => {
        let expected: string;
        try {
          expected = referenceLeaf(e);
        } catch (error) {
          expect(() => leafHash(e as any)).toThrow(new TypeError((error as Error).message));
          return;
        }
        expect(leafHash(e as any)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('ignores the fields that are not hashed, and the order the event was written in', () => {
    const e = { metadata: { b: 1, a: 2 }, data: { y: [1, 2], x: 'é' }, type: 'T', version: 3, streamId: 's', eventId: 'id', schemaVersion: 1 };
    const expected = referenceLeaf(e);
    expect(leafHash(e)).toBe(expected);
    expect(leafHash({ ...e, seq: 9, position: 4, leaf: 'x' } as any)).toBe(expected);
    expect(leafHash(JSON.parse(JSON.stringify(e)))).toBe(expected);
  });
});

describe('leafHashOfCanonical: the same leaf from data and metadata already in canonical text', () => {
  const storedEvent = fc.record({
    eventId: fc.uuid(),
    streamId: anyString,
    version: fc.integer({ min: 1 }),
    type: anyString,
    schemaVersion: fc.integer({ min: 1 }),
    data: anyJson,
    metadata: anyJson,
  });

  it('equals leafHash of the parsed event (the append path and the sealer agree)', () => {
    fc.assert(
      fc.property(storedEvent, (e) => {
        let data: string;
        let metadata: string;
        try {
          data = canonicalize(e.data);
          metadata = canonicalize(e.metadata);
        } catch {
          return; // not JSON: the event store refuses it before hashing
        }
        const expected = referenceLeaf(e);
        expect(leafHash(e as any)).toBe(expected);
        expect(leafHashOfCanonical({ ...e, data, metadata })).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes the canonical text as given, and refuses a document that is not text', () => {
    const e = { eventId: 'id', streamId: 's', version: 1, type: 'T', schemaVersion: 1 };
    expect(leafHashOfCanonical({ ...e, data: '{"a":"é😀"}', metadata: '{}' })).toBe(leafHash({ ...e, data: { a: 'é😀' }, metadata: {} }));
    expect(leafHashOfCanonical({ ...e, data: '{"a":1}', metadata: '{}' })).not.toBe(leafHash({ ...e, data: { a: 2 }, metadata: {} }));
    expect(() => leafHashOfCanonical({ ...e, data: { a: 1 } as any, metadata: '{}' })).toThrow(TypeError);
    // Not canonical text (a raw lone surrogate): hashed as Node.js hashes that string, U+FFFD in its place.
    expect(leafHashOfCanonical({ ...e, data: '"\ud800"', metadata: '{}' })).toBe(
      sha256Hex('{"data":"\ud800","eventId":"id","metadata":{},"schemaVersion":1,"streamId":"s","type":"T","version":1}'),
    );
  });
});
