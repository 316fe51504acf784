import Fastify from 'fastify';
import { gzipSync } from 'node:zlib';
import { BodyError, hostileJsonProblem, parseJsonBody, registerBodyParsers } from './json-body';

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

describe('parseJsonBody and the body parsers (what the API reads)', () => {
  const fault = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return { status: (e as BodyError).statusCode, type: (e as BodyError).type, message: (e as Error).message };
    }
    return undefined;
  };

  it('reads an empty body as {}, objects and arrays as JSON; refuses any other top level, broken JSON and hostile nesting with 400', () => {
    expect(parseJsonBody(Buffer.from('  \n'), 32)).toEqual({});
    expect(parseJsonBody(Buffer.from(' {"a":[1,"é"]}'), 32)).toEqual({ a: [1, 'é'] });
    expect(parseJsonBody(Buffer.from('[1]'), 32)).toEqual([1]);
    for (const text of ['"a string"', '12', 'null', 'true', '{"a":', "{'a':1}"]) expect(fault(() => parseJsonBody(Buffer.from(text), 32))).toMatchObject({ status: 400, type: 'entity.parse.failed', message: 'malformed request body: not valid JSON' });
    expect(fault(() => parseJsonBody(Buffer.from(nested(40)), 32))).toMatchObject({ status: 400, type: 'entity.hostile' });
  });

  async function app() {
    const fastify = Fastify();
    registerBodyParsers(fastify, { jsonLimit: 1024, maxDepth: 32, textRoutes: [{ method: 'POST', url: '/report', types: ['application/xml', 'application/*+xml', 'text/plain'], limit: 2048 }] });
    fastify.post('/json', async (req) => ({ body: req.body ?? null }));
    fastify.post('/report', async (req) => ({ body: req.body ?? null }));
    fastify.setErrorHandler((error: Error & { statusCode?: number }, _req, reply) => reply.code(error.statusCode ?? 500).send({ status: error.statusCode, message: error.message }));
    await fastify.ready();
    return fastify;
  }

  it('JSON: UTF-8 only (415 for another charset), gzip decoded, size limit on the decoded body too (413), other types not read', async () => {
    const f = await app();
    const post = (url: string, payload: string | Buffer, headers: Record<string, string>) => f.inject({ method: 'POST', url, payload, headers });
    expect((await post('/json', '{"a":1}', { 'content-type': 'application/json; charset=utf-8' })).json()).toEqual({ body: { a: 1 } });
    expect((await post('/json', '{"a":1}', { 'content-type': 'application/json; charset=latin1' })).statusCode).toBe(415);
    expect((await post('/json', gzipSync('{"a":2}'), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).json()).toEqual({ body: { a: 2 } });
    expect((await post('/json', '{"a":1}', { 'content-type': 'application/json', 'content-encoding': 'compress' })).statusCode).toBe(415);
    expect((await post('/json', gzipSync(`{"a":"${'x'.repeat(5000)}"}`), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).statusCode).toBe(413);
    expect((await post('/json', `{"a":"${'x'.repeat(2000)}"}`, { 'content-type': 'application/json' })).statusCode).toBe(413);
    expect((await post('/json', '<a/>', { 'content-type': 'application/xml' })).json()).toEqual({ body: null });
    expect((await post('/json', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' })).json()).toEqual({ body: null });
    await f.close();
  });

  it('text routes: their types read as text within their own limit, on that route only', async () => {
    const f = await app();
    const post = (url: string, payload: string, type: string) => f.inject({ method: 'POST', url, payload, headers: { 'content-type': type } });
    expect((await post('/report', '<compteRendu/>', 'application/xml')).json()).toEqual({ body: '<compteRendu/>' });
    expect((await post('/report', '<x/>', 'application/soap+xml; charset=utf-8')).json()).toEqual({ body: '<x/>' });
    expect((await post('/report', '{"xml":"<x/>"}', 'application/json')).json()).toEqual({ body: { xml: '<x/>' } });
    expect((await post('/report', 'x'.repeat(3000), 'text/plain')).statusCode).toBe(413);
    expect((await post('/report', 'abc', 'image/png')).json()).toEqual({ body: null });
    await f.close();
  });
});
