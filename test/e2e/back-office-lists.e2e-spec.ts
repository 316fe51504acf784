import { randomUUID } from 'node:crypto';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { BACK_OFFICE } from '@app/projections/back-office/back-office.projection';
import { Role } from '@app/domain/shared/decider';
import { startTestApp, TestApp } from '../support/app';
import { SEED_CRITERIA, SEED_REFERENTIAL } from '../support/scenario';

/**
 * The back office's lists over HTTP on PostgreSQL: sessions, the
 * deliberation sheet (JSON and CSV), juries; each role's scope and fields,
 * the filters, pagination while commands keep writing, X-Min-Position, and a
 * rebuild that gives the same answers.
 */
describe('back-office lists (HTTP, PostgreSQL)', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  let position = 0;
  let referentialId: string;
  let S1: string;
  let S2: string;
  let jury: string;
  const ids: Record<string, string> = {};

  const USERS: Record<string, Role[]> = {
    admin: ['admin'],
    regulator: ['regulator'],
    referent: ['referent'],
    'as-1': ['assessor'],
    'as-2': ['assessor'],
    pres: ['jury'],
    pro: ['jury'],
    'j-out': ['jury'],
  };

  async function post(path: string, who: string, body: object = {}): Promise<any> {
    const res = await t.http().post(path).set('authorization', `Bearer ${tokens[who]}`).send(body);
    if (res.status !== 201) throw new Error(`POST ${path} as ${who}: ${res.status} ${JSON.stringify(res.body)}`);
    position = Math.max(position, res.body.position ?? 0);
    return res.body;
  }
  const get = (path: string, who: string, minPosition = position) =>
    t.http().get(path).set('authorization', `Bearer ${tokens[who]}`).set('X-Min-Position', String(minPosition));

  async function register(familyName: string, givenName: string, session: string, blocks = ['BC01', 'BC02']): Promise<string> {
    const { id } = await post('/v1/candidates', 'admin', { familyName, givenName, birthDate: '1990-05-17', email: `${randomUUID()}@example.org`, accessRoute: 'continuing-education' });
    await post(`/v1/candidates/${id}/enrolments`, 'admin', { sessionId: session, blocks });
    return id;
  }

  /** Every page of a list, following `next`. */
  async function all(path: string, who: string, limit: number): Promise<any[]> {
    const items: any[] = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const res: any = await get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, who).expect(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...res.body.items);
      cursor = res.body.next;
    } while (cursor);
    return items;
  }

  beforeAll(async () => {
    t = await startTestApp();
    for (const [sub, roles] of Object.entries(USERS)) tokens[sub] = await t.token(sub, roles);
    referentialId = (await post('/v1/referentials', 'admin', SEED_REFERENTIAL)).id;
    await post(`/v1/referentials/${referentialId}/publish`, 'admin');
    S1 = (await post('/v1/sessions', 'admin', { referentialId, title: 'Session de juin', startsOn: '2026-06-01', endsOn: '2026-06-30' })).id;
    S2 = (await post('/v1/sessions', 'admin', { referentialId, title: 'Session de septembre', startsOn: '2026-09-01', endsOn: '2026-09-30' })).id;
    await post(`/v1/sessions/${S1}/assessors`, 'admin', { userId: 'as-1' });
    await post(`/v1/sessions/${S2}/assessors`, 'admin', { userId: 'as-2' });
    ids.martin = await register('Martin', 'Élodie', S1);
    ids.durand = await register('Durand', 'Adam', S1);
    ids.emile = await register('Émile', 'Zoé', S1);
    ids.martinb = await register('martin', 'Bruno', S1);
    ids.quote = await register('=Dupont; "le Grand"', 'Jean-Paul', S1, ['BC02']);
    ids.sept = await register('Septembre', 'Sam', S2);
    // Durand: BC01 all acquired, an accommodation granted and applied; Martin: a request awaiting the referent.
    for (const c of SEED_CRITERIA.filter((c) => c.block === 'BC01')) {
      await post(`/v1/candidates/${ids.durand}/scores`, 'as-1', { sessionId: S1, criterion: c.criterion, result: 'acquired' });
    }
    const { requestId } = await post(`/v1/candidates/${ids.durand}/accommodations`, 'admin', { accommodations: [{ type: 'extra-time', extraTimePercent: 25 }], justification: 'trouble attesté' });
    await post(`/v1/candidates/${ids.durand}/accommodations/${requestId}/decision`, 'admin', { granted: true, reason: 'tiers temps' });
    await post(`/v1/candidates/${ids.durand}/accommodations/${requestId}/applications`, 'as-1', { sessionId: S1, evaluation: 'M1' });
    await post(`/v1/candidates/${ids.martin}/accommodations`, 'admin', { accommodations: [{ type: 'assistant' }], justification: 'trouble moteur' });
    jury = (
      await post('/v1/juries', 'admin', {
        sessionId: S1,
        members: [
          { userId: 'pres', name: 'Paule Présidente', president: true, professional: false },
          { userId: 'pro', name: 'Pierre Pro', president: false, professional: true },
        ],
      })
    ).id;
    await post(`/v1/juries/${jury}/open`, 'pres');
    await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: ids.durand, block: 'BC01', decision: 'validated' });
    await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: ids.martin, block: 'BC02', decision: 'deferred', motivation: 'dossier à compléter' });
  }, 120_000);
  afterAll(async () => t?.close());

  describe('GET /v1/sessions', () => {
    it('gives admins and regulators every session, by start day, with counts', async () => {
      for (const who of ['admin', 'regulator']) {
        const { body } = await get('/v1/sessions', who).expect(200);
        expect(body.next).toBeNull();
        expect(body.items).toEqual([
          { id: S1, referentialId, certificationCode: SEED_REFERENTIAL.code, title: 'Session de juin', startsOn: '2026-06-01', endsOn: '2026-06-30', candidates: 5, juries: 1 },
          { id: S2, referentialId, certificationCode: SEED_REFERENTIAL.code, title: 'Session de septembre', startsOn: '2026-09-01', endsOn: '2026-09-30', candidates: 1, juries: 0 },
        ]);
      }
    });

    it('gives assessors and jury members the sessions of their work only; other roles 403', async () => {
      expect((await get('/v1/sessions', 'as-1').expect(200)).body.items.map((s: any) => s.id)).toEqual([S1]);
      expect((await get('/v1/sessions', 'as-2').expect(200)).body.items.map((s: any) => s.id)).toEqual([S2]);
      expect((await get('/v1/sessions', 'pres').expect(200)).body.items.map((s: any) => s.id)).toEqual([S1]);
      expect((await get('/v1/sessions', 'j-out').expect(200)).body.items).toEqual([]);
      await get('/v1/sessions', 'referent').expect(403);
    });

    it('filters by referential and dates; refuses unknown parameters', async () => {
      const ids = async (query: string) => (await get(`/v1/sessions?${query}`, 'admin').expect(200)).body.items.map((s: any) => s.id);
      expect(await ids('from=2026-07-01')).toEqual([S2]);
      expect(await ids('to=2026-06-15')).toEqual([S1]);
      expect(await ids('from=2026-06-15&to=2026-09-01')).toEqual([S1, S2]);
      expect(await ids(`referentialId=${referentialId}`)).toEqual([S1, S2]);
      expect(await ids(`referentialId=${randomUUID()}`)).toEqual([]);
      await get('/v1/sessions?from=juin', 'admin').expect(400);
      await get('/v1/sessions?colour=blue', 'admin').expect(400);
      await get('/v1/sessions?limit=201', 'admin').expect(400);
    });

    it('pages with a cursor', async () => {
      const first = (await get('/v1/sessions?limit=1', 'admin').expect(200)).body;
      expect(first.items.map((s: any) => s.id)).toEqual([S1]);
      const second = (await get(`/v1/sessions?limit=1&cursor=${first.next}`, 'admin').expect(200)).body;
      expect(second).toEqual({ items: [expect.objectContaining({ id: S2 })], next: null });
      await get('/v1/sessions?cursor=bm90LWEtY3Vyc29y', 'admin').expect(400);
    });

    it('pages without losing or repeating a session while others are opened at the same time', async () => {
      const before = (await get('/v1/sessions?limit=200', 'admin').expect(200)).body.items.map((s: any) => s.id);
      const writer = (async () => {
        for (let n = 0; n < 6; n++) {
          const day = n % 2 ? '2026-01-0' + (n + 1) : '2026-12-1' + n;
          await post('/v1/sessions', 'admin', { referentialId, title: `Session ${n}`, startsOn: day, endsOn: day });
        }
      })();
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: any = await get(`/v1/sessions?limit=1${cursor ? `&cursor=${cursor}` : ''}`, 'admin', 0).expect(200);
        seen.push(...res.body.items.map((s: any) => s.id));
        cursor = res.body.next;
      } while (cursor);
      await writer;
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of before) expect(seen).toContain(id);
      const all = (await get('/v1/sessions?limit=200', 'admin').expect(200)).body.items;
      expect(all.map((s: any) => s.startsOn)).toEqual([...all.map((s: any) => s.startsOn)].sort());
    });
  });

  describe('GET /v1/sessions/{id}/candidates', () => {
    const names = (items: any[]) => items.map((i) => `${i.identity.familyName} ${i.identity.givenName}`);

    it('orders by family then given name (case and accents ignored) for readers who see names', async () => {
      const { body } = await get(`/v1/sessions/${S1}/candidates`, 'admin').expect(200);
      expect(names(body.items)).toEqual(['=Dupont; "le Grand" Jean-Paul', 'Durand Adam', 'Émile Zoé', 'martin Bruno', 'Martin Élodie']);
      expect(body.next).toBeNull();
    });

    it('answers per candidate the blocks as progress does, neutralisations, accommodations, pending opinions and certified', async () => {
      const { body } = await get(`/v1/sessions/${S1}/candidates`, 'admin').expect(200);
      const durand = body.items.find((i: any) => i.candidateId === ids.durand);
      const progress = (await get(`/v1/candidates/${ids.durand}/progress`, 'admin').expect(200)).body;
      expect(durand).toEqual({
        candidateId: ids.durand,
        identity: { status: 'identified', pseudonym: expect.stringMatching(/^C-[0-9A-F]{16}$/), familyName: 'Durand', givenName: 'Adam', birthDate: '1990-05-17' },
        blocks: progress.blocks,
        neutralisations: [],
        accommodations: ['extra-time'],
        pendingOpinions: 0,
        certified: false,
      });
      expect(durand.blocks.map((b: any) => [b.code, b.proposal, b.decision])).toEqual([
        ['BC01', 'acquired', 'validated'],
        ['BC02', 'incomplete', null],
      ]);
      const martin = body.items.find((i: any) => i.candidateId === ids.martin);
      expect(martin).toMatchObject({ pendingOpinions: 1, accommodations: [] });
      expect(martin.blocks.map((b: any) => b.decision)).toEqual([null, 'deferred']);
    });

    it('shows regulators pseudonyms only, in pseudonym order', async () => {
      const { body } = await get(`/v1/sessions/${S1}/candidates`, 'regulator').expect(200);
      expect(body.items).toHaveLength(5);
      for (const item of body.items) expect(item.identity).toEqual({ status: 'pseudonymised', pseudonym: expect.stringMatching(/^C-[0-9A-F]{16}$/) });
      const pseudonyms = body.items.map((i: any) => i.identity.pseudonym);
      expect(pseudonyms).toEqual([...pseudonyms].sort());
      expect(JSON.stringify(body)).not.toMatch(/Martin|Durand|Élodie/);
    });

    it('lets the session assessors and its jury members read it; others 403; unknown session 404', async () => {
      for (const who of ['as-1', 'pres', 'pro']) expect((await get(`/v1/sessions/${S1}/candidates`, who).expect(200)).body.items).toHaveLength(5);
      for (const who of ['as-2', 'j-out']) expect((await get(`/v1/sessions/${S1}/candidates`, who).expect(403)).body.code).toBe('FORBIDDEN');
      await get(`/v1/sessions/${S1}/candidates`, 'referent').expect(403);
      await get(`/v1/sessions/${randomUUID()}/candidates`, 'admin').expect(404);
      await get(`/v1/sessions/not-a-session/candidates`, 'admin').expect(404);
    });

    it('filters by block, proposal and decision (of the same block when a block is named)', async () => {
      const of = async (query: string) => (await get(`/v1/sessions/${S1}/candidates?${query}`, 'admin').expect(200)).body.items.map((i: any) => i.candidateId).sort();
      const everyone = [ids.martin, ids.durand, ids.emile, ids.martinb, ids.quote].sort();
      expect(await of('block=BC02')).toEqual(everyone);
      expect(await of('block=BC01')).toEqual(everyone.filter((id) => id !== ids.quote));
      expect(await of('proposal=acquired')).toEqual([ids.durand]);
      expect(await of('block=BC02&proposal=acquired')).toEqual([]);
      expect(await of('decision=validated')).toEqual([ids.durand]);
      expect(await of('decision=deferred')).toEqual([ids.martin]);
      expect(await of('block=BC01&decision=none')).toEqual([ids.martin, ids.emile, ids.martinb].sort());
      expect(await of('proposal=acquired&decision=validated')).toEqual([ids.durand]);
      expect(await of('block=BC03')).toEqual([]);
      await get(`/v1/sessions/${S1}/candidates?proposal=maybe`, 'admin').expect(400);
      await get(`/v1/sessions/${S1}/candidates?decision=passed`, 'admin').expect(400);
      await get(`/v1/sessions/${S1}/candidates?sort=name`, 'admin').expect(400);
    });

    it('pages without losing or repeating a candidate while others are enrolled at the same time', async () => {
      for (const who of ['admin', 'regulator']) {
        const before = (await get(`/v1/sessions/${S1}/candidates?limit=200`, who).expect(200)).body.items.map((i: any) => i.candidateId);
        // A writer enrols candidates whose names sort first and last while the reader walks the pages.
        let stop = false;
        const writer = (async () => {
          for (let n = 0; !stop && n < 12; n++) await register(n % 2 ? 'Aaron' : 'Zylberstein', `${who}${n}`, S1);
        })();
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const res: any = await get(`/v1/sessions/${S1}/candidates?limit=2${cursor ? `&cursor=${cursor}` : ''}`, who, 0).expect(200);
          seen.push(...res.body.items.map((i: any) => i.candidateId));
          cursor = res.body.next;
        } while (cursor);
        stop = true;
        await writer;
        expect(new Set(seen).size).toBe(seen.length);
        for (const id of before) expect(seen).toContain(id);
      }
    });

    it('keeps the cursor free of names', async () => {
      const { body } = await get(`/v1/sessions/${S1}/candidates?limit=1`, 'admin').expect(200);
      const decoded = Buffer.from(body.next, 'base64url').toString('utf8');
      expect(decoded).not.toMatch(/Aaron|Dupont|Durand/);
      await get(`/v1/sessions/${S1}/candidates?limit=1&cursor=${body.next}`, 'regulator').expect(400);
    });

    it('answers a write at once with X-Min-Position', async () => {
      const id = await register('Abadie', 'Anne', S1);
      const { body } = await get(`/v1/sessions/${S1}/candidates?limit=200`, 'admin', position).expect(200);
      expect(body.items.map((i: any) => i.candidateId)).toContain(id);
      await get(`/v1/sessions/${S1}/candidates`, 'admin', -1 as any).expect(400);
    });
  });

  describe('GET /v1/sessions/{id}/candidates.csv', () => {
    /** A small parser of the format: `;` separated, double-quoted cells with doubled quotes, CRLF rows. */
    function parse(text: string): string[][] {
      const rows: string[][] = [];
      let row: string[] = [];
      let cell = '';
      let quoted = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
          if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
          else if (c === '"') quoted = false;
          else cell += c;
        } else if (c === '"') quoted = true;
        else if (c === ';') row.push(cell), (cell = '');
        else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
        else cell += c;
      }
      return rows;
    }

    it('gives the sheet as a spreadsheet: BOM, French headers, one row per candidate and block, quoted and formula-safe', async () => {
      const res = await get(`/v1/sessions/${S1}/candidates.csv`, 'admin').buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      }).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
      const bytes = res.body as Buffer;
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const rows = parse(bytes.subarray(3).toString('utf8'));
      expect(rows[0]).toEqual([
        'Identifiant candidat', 'Pseudonyme', 'Nom', 'Prénom', 'Date de naissance', 'Bloc', 'Proposition', 'Décision', 'Critères', 'Critères évalués',
        'Critères acquis', 'Critères neutralisés', 'Neutralisations', 'Aménagements appliqués', 'Avis du référent en attente', 'Certifié', 'Tentative', 'Parcours VAE',
      ]);
      const sheet = await all(`/v1/sessions/${S1}/candidates`, 'admin', 200);
      expect(rows.length - 1).toBe(sheet.reduce((n, i) => n + i.blocks.length, 0));
      expect(rows.slice(1).map((r) => r[0])).toEqual(sheet.flatMap((i) => i.blocks.map(() => i.candidateId)));
      const quote = rows.filter((r) => r[0] === ids.quote);
      expect(quote).toHaveLength(1);
      expect(quote[0].slice(2, 6)).toEqual([`'=Dupont; "le Grand"`, 'Jean-Paul', '1990-05-17', 'BC02']);
      const durand = rows.find((r) => r[0] === ids.durand && r[5] === 'BC01')!;
      expect(durand.slice(6, 8)).toEqual(['acquis', 'validé']);
      expect(durand[13]).toBe('extra-time');
      expect(rows.find((r) => r[0] === ids.durand && r[5] === 'BC02')![7]).toBe('non délibéré');
    });

    it('gives regulators no name column, and keeps the scope', async () => {
      const res = await get(`/v1/sessions/${S1}/candidates.csv?block=BC01&decision=validated`, 'regulator').expect(200);
      const rows = parse(res.text.replace(/^\uFEFF/, ''));
      expect(rows[0].slice(0, 3)).toEqual(['Identifiant candidat', 'Pseudonyme', 'Bloc']);
      // The filters choose candidates; each chosen candidate keeps a row per enrolled block.
      expect(rows.slice(1).map((r) => [r[0], r[2]])).toEqual([
        [ids.durand, 'BC01'],
        [ids.durand, 'BC02'],
      ]);
      expect(res.text).not.toMatch(/Durand/);
      await get(`/v1/sessions/${S1}/candidates.csv`, 'as-2').expect(403);
    });
  });

  describe('GET /v1/juries', () => {
    it('gives admins and regulators every jury, members their own, with members, status, revises and decision counts', async () => {
      const expected = {
        id: jury,
        sessionId: S1,
        referentialId,
        status: 'open',
        members: [
          { userId: 'pres', name: 'Paule Présidente', president: true, professional: false },
          { userId: 'pro', name: 'Pierre Pro', president: false, professional: true },
        ],
        revises: null,
        decisions: { total: 2, validated: 1, notValidated: 0, deferred: 1 },
      };
      for (const who of ['admin', 'regulator', 'pres']) expect((await get('/v1/juries', who).expect(200)).body).toEqual({ items: [expected], next: null });
      expect((await get('/v1/juries', 'j-out').expect(200)).body.items).toEqual([]);
      expect((await get(`/v1/juries?sessionId=${S2}`, 'admin').expect(200)).body.items).toEqual([]);
      await get('/v1/juries', 'as-1').expect(403);
      await get('/v1/juries?sessionId=x', 'admin').expect(400);
    });

    it('pages in the order juries were convened', async () => {
      const second = (await post('/v1/juries', 'admin', { sessionId: S2, members: [{ userId: 'j-out', name: 'Jo', president: true, professional: true }] })).id;
      const items = await all('/v1/juries', 'admin', 1);
      expect(items.map((j) => j.id)).toEqual([jury, second]);
      expect((await get('/v1/sessions?from=2026-09-01', 'j-out').expect(200)).body.items.map((s: any) => [s.id, s.juries])).toEqual([[S2, 1]]);
    });
  });

  it('shows an erased candidate as [erased], after every named one', async () => {
    await post(`/v1/candidates/${ids.emile}/erasure`, 'admin', { reason: 'demande du candidat', overrideRetention: true });
    const items = await all(`/v1/sessions/${S1}/candidates`, 'admin', 3);
    const last = items[items.length - 1];
    expect(last.candidateId).toBe(ids.emile);
    expect(last.identity).toMatchObject({ status: 'erased', familyName: '[erased]' });
  });

  it('rebuilds to identical answers', async () => {
    const read = async () => ({
      sessions: await all('/v1/sessions', 'admin', 1),
      sheet: await all(`/v1/sessions/${S1}/candidates`, 'admin', 4),
      regulator: await all(`/v1/sessions/${S1}/candidates`, 'regulator', 200),
      juries: await all('/v1/juries', 'admin', 200),
    });
    const runtime = t.app.get(ProjectionRuntime);
    await get('/v1/juries', 'admin').expect(200); // caught up with every write above
    // A runner that stops writes the fold states it kept behind their rows (docs/projections.md).
    await runtime.stop();
    const live = (await runtime.checkpoints.active(BACK_OFFICE))!;
    expect(live.states).toBeNull();
    const liveHash = await runtime.checkpoints.tableHash(runtime.projection(BACK_OFFICE), live.generation);
    runtime.start();
    const before = await read();
    const { generation } = await runtime.rebuild(BACK_OFFICE);
    expect(generation).toBeGreaterThan(live.generation);
    // Every table of the new generation holds what the live one held, row for row.
    expect(await runtime.checkpoints.tableHash(runtime.projection(BACK_OFFICE), generation)).toBe(liveHash);
    expect(await read()).toEqual(before);
  });

  it('answers 503 PROJECTION_LAGGING when the lists cannot reach X-Min-Position within 5 s', async () => {
    const runtime = t.app.get(ProjectionRuntime);
    await runtime.stop();
    try {
      await register('Lenoir', 'Léa', S1);
      const started = Date.now();
      const res = await get(`/v1/sessions/${S1}/candidates`, 'admin', position).expect(503);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
      expect(res.body.code).toBe('PROJECTION_LAGGING');
      // Without the header the list answers what it has.
      expect((await get('/v1/sessions', 'admin', 0).expect(200)).body.items.length).toBeGreaterThan(0);
    } finally {
      runtime.start();
    }
    await get('/v1/juries', 'admin', position).expect(200);
  }, 30_000);
});
