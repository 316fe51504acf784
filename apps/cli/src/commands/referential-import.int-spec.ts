import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import seed from '@app/domain/referential/seed/manager-marketing-commercial.referential.json';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../../../test/support/databases';
import { runImport, runSeed } from './referential-import.command';

/** The CLI import against a fresh schema: same validation, same events as HTTP, actor cli:<os user>. */
describe('referential import / seed (CLI)', () => {
  const schema = uniqueSchema('cli');
  const dir = mkdtempSync(join(tmpdir(), 'cert-cli-'));
  const saved = { ...process.env };
  let out: string[];
  let err: string[];

  beforeAll(() => {
    Object.assign(process.env, { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, DATA_DIR: dir, LOG_LEVEL: 'silent' });
  });
  beforeEach(() => {
    out = [];
    err = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    process.env = saved;
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  async function events(): Promise<Array<{ stream_id: string; type: string; data: any; metadata: any }>> {
    const client = new Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      return (await client.query(`SELECT stream_id, type, data, metadata FROM ${schema}.events ORDER BY global_position`)).rows;
    } finally {
      await client.end();
    }
  }

  it('drafts and publishes the shipped referential in one command', async () => {
    expect(await runSeed({ values: { publish: true }, positionals: [] })).toBe(0);
    const [drafted, published] = out;
    const id = /^referential ([0-9a-f-]{36}) drafted \(version 1 of RNCP00000\)\n$/.exec(drafted)?.[1];
    expect(id).toBeDefined();
    expect(published).toBe(`referential ${id} published\n`);
    const written = await events();
    expect(written.map((e) => [e.stream_id, e.type])).toEqual([
      [`referential-${id}`, 'ReferentialDrafted'],
      [`referential-${id}`, 'ReferentialPublished'],
    ]);
    expect(written[0].data).toEqual({ referentialId: id, version: 1, document: seed });
    expect(written[1].metadata.actor).toEqual({ id: `cli:${userInfo().username}`, role: 'admin' });
  });

  it('imports a file as the next version of its certification code', async () => {
    const file = join(dir, 'seed.json');
    writeFileSync(file, JSON.stringify(seed));
    expect(await runImport({ values: {}, positionals: [file] })).toBe(0);
    expect(out.join('')).toMatch(/drafted \(version 2 of RNCP00000\)\n$/);
    expect((await events()).filter((e) => e.type === 'ReferentialDrafted')).toHaveLength(2);
  });

  it('refuses an invalid file with every fault and its path, writing nothing (exit 1)', async () => {
    const bad = JSON.parse(JSON.stringify(seed));
    delete bad.blocks[0].competences[0].criteria[0].core;
    bad.blocks[1].modalities[0].competences.push('C99');
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    const before = (await events()).length;
    expect(await runImport({ values: { publish: true }, positionals: [file] })).toBe(1);
    expect(out).toEqual([]);
    const message = err.join('');
    expect(message).toContain('is not a valid referential document (2 faults)');
    expect(message).toContain('$.blocks[0].competences[0].criteria[0].core: is required');
    expect(message).toContain('$.blocks[1].modalities[0].competences[');
    expect((await events()).length).toBe(before);
  });
});
