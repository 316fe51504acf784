import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { loadConfig } from '@app/platform/config';
import { PersonalDataVault, vaultKeys } from '@app/platform/personal-data/vault';
import { serverDatabase, TestDatabase } from '../support/databases';
import { parseXml, XmlElement } from '../support/xml';

jest.setTimeout(180_000);
const root = join(__dirname, '..', '..');
const XSD = join(root, 'test', 'fixtures', 'cdc-accrochage.xsd');
// launch.js builds the CLI once if its sources are newer; later calls run the built entry directly.
let built = false;
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const entry = built ? [join(root, 'dist', 'apps', 'cli', 'src', 'main.js')] : [join(root, 'scripts', 'launch.js'), 'cli'];
  built = true;
  return spawnSync(process.execPath, [...entry, ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', CDC_XSD_FILE: '', ...env }, encoding: 'utf8' });
};
const find = (el: XmlElement, name: string): XmlElement[] => [...(el.name.replace(/^cpf:/, '') === name ? [el] : []), ...el.children.flatMap((c) => find(c, name))];
const jsonIn = (text: string) => JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));

describe('CLI: accrochage export (--xsd) and accrochage report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cert-cli-accrochage-'));
  let t: TestDatabase;
  beforeAll(async () => (t = await serverDatabase()));
  afterAll(async () => {
    await t?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports a validated flux, imports the report, and sends only the rejected passage again', async () => {
    const vault = new PersonalDataVault(t.db, vaultKeys(loadConfig({ DATA_DIR: dir }))); // the CLI below reads the same KEK
    await vault.onModuleInit();
    const store = new PostgresEventStore(t.db.pool);
    const meta = { actor: { id: 'a', role: 'admin' }, correlationId: 'c', causationId: null, recordedAt: new Date().toISOString() };
    const juryId = randomUUID();
    const awards: string[] = [];
    for (const [givenName, familyName] of [['Zoé', 'Martin'], ['Ana', 'Silva']]) {
      const candidateId = randomUUID();
      const identity = await vault.seal(candidateId, { givenName, familyName, birthDate: '1999-07-04', email: 'z@example.org', sex: 'F', birthPlaceCode: '75056' });
      const awardId = randomUUID();
      awards.push(awardId);
      await store.append(
        `candidate-${candidateId}`,
        [
          { type: 'CandidateRegistered', data: { candidateId, identity, accessRoute: 'apprenticeship' }, metadata: meta },
          { eventId: awardId, type: 'CertificationAwarded', data: { candidateId, certificationCode: 'RNCP38000', referentialId: randomUUID(), juryId, blocks: [], awardedOn: '2025-03-14' }, metadata: meta },
        ],
        { expectedVersion: 'no-stream' },
      );
    }
    const env = { DATABASE_URL: t.url!, DATABASE_SCHEMA: t.schema, DATA_DIR: dir, CDC_EMITTER_ID: 'EMT00001', CDC_CONTRACT_ID: 'CTR-42' };
    const period = ['--from', '2025-03-01', '--to', '2025-03-31'];

    // Each CLI call costs seconds: configuration and usage errors once each (the HTTP e2e covers the rest).
    // A CDC identifier of the wrong length stops the command (exit 2) naming it.
    const badId = cli(['accrochage', 'export', ...period], { ...env, CDC_EMITTER_ID: 'EMT001' });
    expect(badId.status).toBe(2);
    expect(badId.stderr).toMatch(/CDC_EMITTER_ID must be exactly 8 characters/);
    expect(cli(['accrochage', 'export', '--xsd', join(dir, 'missing.xsd')], env).status).toBe(2);

    // Sealed and approved by the president: the record is final (RECORD_APPROVAL_REQUIRED).
    await store.append(
      `jury-${juryId}`,
      [
        { type: 'DeliberationClosed', data: { juryId, sealHash: 'h', signature: 's', keyFingerprint: 'k', closedAt: meta.recordedAt }, metadata: meta },
        { type: 'RecordApproved', data: { juryId, memberId: 'pres', sealHash: 'h', president: true, at: meta.recordedAt }, metadata: meta },
      ],
      { expectedVersion: 'no-stream' },
    );

    // A schema the flux does not satisfy: exit 1 naming the element, nothing recorded.
    writeFileSync(join(dir, 'strict.xsd'), require('node:fs').readFileSync(XSD, 'utf8').replace('<xsd:length value="8"/>', '<xsd:length value="9"/>'));
    const refused = cli(['accrochage', 'export', ...period, '--xsd', join(dir, 'strict.xsd')], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('<idClient>');
    expect(refused.stdout).toBe('');

    const first = cli(['accrochage', 'export', ...period, '--xsd', XSD], env);
    expect(first.status).toBe(0);
    const flux = parseXml(first.stdout);
    expect(find(flux, 'idTechnique').map((e) => e.text).sort()).toEqual([...awards].sort());
    const report = jsonIn(first.stderr);
    expect(report).toMatchObject({ action: 'CREATION', notExportable: [], alreadyExported: 0 });
    expect(report.warning).toMatch(/past the three-month declaration deadline/);

    const fluxId = find(flux, 'idFlux')[0].text;
    writeFileSync(
      join(dir, 'report.xml'),
      `<accuseTraitement><idFlux>${fluxId}</idFlux><passagesAcceptes><passage><idTechnique>${awards[0]}</idTechnique></passage></passagesAcceptes>` +
        `<passagesRejetes><passage><idTechnique>${awards[1]}</idTechnique><motif>Titulaire non identifié</motif></passage></passagesRejetes></accuseTraitement>`,
    );
    const imported = cli(['accrochage', 'report', join(dir, 'report.xml')], env);
    expect(imported.status).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ fluxId, accepted: [awards[0]], rejected: [{ awardEventId: awards[1], reason: 'Titulaire non identifié' }] });

    const second = cli(['accrochage', 'export', ...period, '--xsd', XSD], env);
    expect(find(parseXml(second.stdout), 'idTechnique').map((e) => e.text)).toEqual([awards[1]]);
    expect(jsonIn(second.stderr).resent).toEqual([expect.objectContaining({ awardEventId: awards[1], previousReason: 'Titulaire non identifié' })]);
  });
});
