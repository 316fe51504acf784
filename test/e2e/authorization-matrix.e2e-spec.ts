import { randomUUID } from 'node:crypto';
import { Role, ROLES } from '@app/domain/shared/decider';
import { NO_ROLE_DECLARED, ROLE_REQUIRED } from '@app/platform/auth/auth.guard';
import { EventStore } from '@app/event-store/event-store';
import { LedgerService } from '@app/platform/ledger/ledger.service';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { startTestApp, TestApp } from '../support/app';
import { SEED_REFERENTIAL } from '../support/scenario';
import { concretePath, discoverRoutes, DiscoveredRoute, serverRoutes } from '../support/routes';
import { collectBuffer, pdfText as textOfPdf } from '../support/pdf';

/**
 * The role rules of docs/api.md, route by route (parameters written
 * `:param` whatever their name in the code). A route whose @Roles drift from
 * this table fails; routes not in it are checked for a declaration only, and
 * go through the same matrix with the roles they declare.
 */
const ALL: Role[] = ['admin', 'assessor', 'referent', 'jury', 'regulator'];
const API_ROLES: Record<string, Role[]> = {
  'POST /v1/referentials': ['admin'],
  'POST /v1/referentials/:param/publish': ['admin'],
  'POST /v1/sessions': ['admin'],
  'POST /v1/sessions/:param/assessors': ['admin'],
  'POST /v1/candidates': ['admin'],
  'POST /v1/candidates/:param/enrolments': ['admin'],
  'POST /v1/candidates/:param/accommodations': ['admin'],
  'POST /v1/candidates/:param/accommodations/:param/opinion': ['referent'],
  'POST /v1/candidates/:param/accommodations/:param/decision': ['admin'],
  'POST /v1/candidates/:param/scores': ['assessor'],
  'POST /v1/candidates/:param/neutralisation-opinions': ['referent'],
  'POST /v1/candidates/:param/erasure': ['admin'],
  // Beyond API.md: the VAE path (docs/paths.md "VAE").
  'POST /v1/candidates/:param/vae/application': ['admin'],
  'POST /v1/candidates/:param/vae/admissibility': ['admin'],
  'POST /v1/candidates/:param/vae/file': ['admin'],
  'POST /v1/juries/:param/vae-interviews': ['jury'],
  // Beyond API.md: resits, absence and fraud (docs/paths.md).
  'POST /v1/candidates/:param/absences': ['admin'],
  'POST /v1/candidates/:param/fraud-reports': ['assessor', 'admin'],
  'POST /v1/juries/:param/fraud-decisions': ['jury'],
  'POST /v1/juries': ['admin'],
  'POST /v1/juries/:param/open': ['jury'],
  'POST /v1/juries/:param/neutralisations': ['jury'],
  'POST /v1/juries/:param/decisions': ['jury'],
  'POST /v1/juries/:param/close': ['jury'],
  'POST /v1/juries/:param/president': ['admin'],
  'POST /v1/juries/:param/approvals': ['jury'],
  'GET /v1/referentials/:param': ALL,
  'GET /v1/candidates/:param/progress': ['admin', 'assessor', 'jury', 'regulator'],
  'GET /v1/candidates/:param/history': ['admin', 'jury', 'regulator'],
  'GET /v1/juries/:param/record': ['admin', 'jury', 'regulator'],
  'GET /v1/juries/:param/record.pdf': ['admin', 'jury', 'regulator'],
  // Beyond API.md (docs/api.md): decision letters and the certificate of blocks, issued by admins, read pseudonymised by regulators.
  'GET /v1/juries/:param/letters/:param.pdf': ['admin', 'regulator'],
  'GET /v1/juries/:param/letters.zip': ['admin', 'regulator'],
  'GET /v1/candidates/:param/certificates/blocks.pdf': ['admin', 'regulator'],
  'GET /v1/audit/events': ['regulator', 'admin'],
  'GET /v1/audit/export': ['regulator', 'admin'],
  'GET /v1/audit/checkpoints/latest': ['regulator', 'admin'],
  'GET /v1/audit/consistency': ['regulator', 'admin'],
  'POST /v1/audit/witnesses': ['admin'],
  'GET /v1/audit/witnesses': ['regulator', 'admin'],
  'POST /v1/audit/checkpoints/:param/cosignatures': ['regulator'],
  // Beyond docs/api.md: the console's sign-in settings and its development sign-in, public (no role), outside /v1.
  'GET /console/config.json': [],
  'POST /console/dev/token': [],
};

/** Served outside Nest's router (Swagger UI, the console's static files): public by nature, and never under /v1. */
const NON_NEST_PUBLIC = /^\/(docs(-json|-yaml)?|console)(\/.*)?$/;

const key = (r: { method: string; path: string }) => `${r.method} ${r.path.replace(/:[A-Za-z0-9_]+/g, ':param')}`;
const sorted = (roles: readonly Role[]) => [...roles].sort();

describe('Authorization', () => {
  let t: TestApp;
  let routes: DiscoveredRoute[];
  const tokens = new Map<string, string>();
  /** A token holding exactly these roles (cached). */
  const token = async (roles: Role[]) => {
    const k = sorted(roles).join(',');
    if (!tokens.has(k)) tokens.set(k, await t.token(`user-${k || 'none'}`, roles));
    return tokens.get(k)!;
  };
  const send = (route: DiscoveredRoute, bearer?: string) => {
    const path = concretePath(route.path, () => randomUUID());
    const req = route.method === 'GET' ? t.http().get(path) : route.method === 'POST' ? t.http().post(path).send({}) : t.http()[route.method.toLowerCase() as 'put'](path).send({});
    return bearer ? req.set('Authorization', `Bearer ${bearer}`) : req;
  };

  beforeAll(async () => {
    t = await startTestApp();
    routes = discoverRoutes(t.app);
  });
  afterAll(async () => t?.close());

  it('discovers the routes from the running application', () => {
    expect(routes.length).toBeGreaterThan(3);
    expect(routes.map(key)).toContain('GET /v1/referentials/:param');
  });

  it('every route declares its roles or is explicitly public', () => {
    const undeclared = routes.filter((r) => !r.public && (!r.roles || r.roles.length === 0)).map((r) => `${key(r)} (${r.handler})`);
    expect(undeclared).toEqual([]);
  });

  it('no /v1 route is public, and every role named is a real role', () => {
    expect(routes.filter((r) => r.path.startsWith('/v1') && r.public).map(key)).toEqual([]);
    const unknown = routes.flatMap((r) => (r.roles ?? []).filter((role) => !ROLES.includes(role)).map((role) => `${key(r)}: ${role}`));
    expect(unknown).toEqual([]);
  });

  it('no route reaches the server around Nest\'s guard except the API documentation', () => {
    const nest = new Set(routes.map(key));
    const around = serverRoutes(t.app).filter((r) => !nest.has(key(r)) && !NON_NEST_PUBLIC.test(r.path));
    expect(around).toEqual([]);
  });

  it('the roles of every docs/api.md route served match docs/api.md', () => {
    const drift = routes
      .filter((r) => API_ROLES[key(r)])
      .filter((r) => sorted(r.roles ?? []).join(',') !== sorted(API_ROLES[key(r)]).join(','))
      .map((r) => `${key(r)}: declares [${r.roles?.join(', ')}], docs/api.md says [${API_ROLES[key(r)].join(', ')}]`);
    expect(drift).toEqual([]);
  });

  it.each(Object.keys(API_ROLES))('serves %s (docs/api.md)', (route) => {
    expect(routes.map(key)).toContain(route);
  });

  it('matrix: no token → 401, roles not allowed → 403 from the guard, allowed roles get past it', async () => {
    const faults: string[] = [];
    for (const route of routes.filter((r) => !r.public)) {
      const name = key(route);
      const allowed = route.roles ?? [];
      const anonymous = await send(route);
      if (anonymous.status !== 401 || anonymous.body.code !== 'UNAUTHENTICATED') faults.push(`${name} without a token: ${anonymous.status}`);

      const denied = ROLES.filter((role) => !allowed.includes(role));
      for (const role of denied) {
        const res = await send(route, await token([role]));
        if (res.status !== 403 || !String(res.body.message).startsWith(ROLE_REQUIRED)) faults.push(`${name} as ${role}: ${res.status} ${res.body.code ?? ''}`);
      }
      if (denied.length > 1) {
        const res = await send(route, await token(denied));
        if (res.status !== 403) faults.push(`${name} with every role but the allowed ones: ${res.status}`);
      }
      const roleless = await send(route, await token([]));
      if (roleless.status !== 403) faults.push(`${name} with no role at all: ${roleless.status}`);

      for (const role of allowed) {
        const res = await send(route, await token([role]));
        const guardRefusal = res.status === 403 && [ROLE_REQUIRED, NO_ROLE_DECLARED].some((m) => String(res.body.message).startsWith(m));
        // Past the guard an unknown id is a 404 (or an object-level 403), an empty body a 400: never 401, never a role refusal, never a 5xx.
        if (res.status === 401 || guardRefusal || res.status >= 500) faults.push(`${name} as ${role}: ${res.status} ${res.body.code ?? ''} ${res.body.message ?? ''}`);
      }
    }
    expect(faults).toEqual([]);
  });

  /**
   * docs/security.md "Who sees what", route by route, reader by reader, in and
   * out of scope: the status and the fields (identity in clear or a pseudonym,
   * health texts in clear or withheld), on one candidate whose file holds every
   * kind of free text. Reproductions 2, 3 and 4 of issue 15.
   */
  describe('Who sees what (docs/security.md)', () => {
    const tokens = new Map<string, string>();
    const bearer = async (sub: string, roles: Role[]) => {
      const k = `${sub}|${roles.join(',')}`;
      if (!tokens.has(k)) tokens.set(k, await t.token(sub, roles));
      return `Bearer ${tokens.get(k)!}`;
    };
    const as = async (sub: string, roles: Role[], method: 'get' | 'post', path: string, body?: unknown) => {
      const req = t.http()[method](path).set('Authorization', await bearer(sub, roles));
      const res = method === 'post' ? await req.send(body as object) : await req;
      return res;
    };
    const admin = (method: 'get' | 'post', path: string, body?: unknown) => as('admin-1', ['admin'], method, path, body);
    const ok = async (res: Promise<{ status: number; body: any }>) => {
      const r = await res;
      if (r.status !== 201) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const pdfText = async (path: string, sub: string, roles: Role[]) => {
      const res = await t
        .http()
        .get(path)
        .set('Authorization', await bearer(sub, roles))
        .buffer(true)
        .parse(collectBuffer);
      if (res.status !== 200) return { status: res.status, text: '' };
      const text = await textOfPdf(res.body as Buffer);
      return { status: res.status, text };
    };

    // Every free text names the person or their health: none may reach a reader the table does not allow.
    const NAME = ['Camille', 'Durand'];
    const HEALTH = ['dyslexie', 'épilepsie', 'MDPH', 'isolée'];
    const PERSONAL = ['hésitante', 'voisine', 'repasser', 'contestation'];
    let candidate: string;
    let sessionIn: string;
    let jury: string;
    let otherJury: string;

    beforeAll(async () => {
      const referentialId = (await ok(admin('post', '/v1/referentials', SEED_REFERENTIAL))).id;
      await ok(admin('post', `/v1/referentials/${referentialId}/publish`, {}));
      const session = async (title: string, assessor: string) => {
        const id = (await ok(admin('post', '/v1/sessions', { referentialId, title, startsOn: '2026-06-01', endsOn: '2026-06-30' }))).id;
        await ok(admin('post', `/v1/sessions/${id}/assessors`, { userId: assessor }));
        return id;
      };
      sessionIn = await session('Session du candidat', 'assessor-in');
      const sessionOut = await session('Une autre session', 'assessor-out');
      candidate = (await ok(admin('post', '/v1/candidates', { givenName: 'Camille', familyName: 'Durand', birthDate: '1990-01-01', email: 'camille@example.org', accessRoute: 'vae' }))).id;
      await ok(admin('post', `/v1/candidates/${candidate}/enrolments`, { sessionId: sessionIn, blocks: ['BC01'] }));
      const { requestId } = await ok(
        admin('post', `/v1/candidates/${candidate}/accommodations`, { accommodations: [{ type: 'extra-time', extraTimePercent: 33 }], justification: 'dyslexie attestée par la MDPH' }),
      );
      await ok(as('referent-1', ['referent'], 'post', `/v1/candidates/${candidate}/accommodations/${requestId}/opinion`, { favourable: true, motivation: 'épilepsie et dyslexie : tiers-temps' }));
      await ok(admin('post', `/v1/candidates/${candidate}/accommodations/${requestId}/decision`, { granted: true, reason: 'tiers-temps pour la dyslexie de Camille Durand' }));
      await ok(as('assessor-in', ['assessor'], 'post', `/v1/candidates/${candidate}/accommodations/${requestId}/applications`, { sessionId: sessionIn, evaluation: 'écrit BC01', note: 'salle isolée' }));
      await ok(as('assessor-in', ['assessor'], 'post', `/v1/candidates/${candidate}/scores`, { sessionId: sessionIn, criterion: 'CE1.1', result: 'acquired', comment: 'Camille hésitante au début' }));
      const { opinionId } = await ok(as('referent-1', ['referent'], 'post', `/v1/candidates/${candidate}/neutralisation-opinions`, { criteria: ['CE2.3'], motivation: 'épilepsie : critère hors de portée' }));
      const members = (president: string, other: string) => [
        { userId: president, name: 'Paule Présidente', president: true, professional: true },
        { userId: other, name: 'Marc Membre', president: false, professional: false },
      ];
      jury = (await ok(admin('post', '/v1/juries', { sessionId: sessionIn, members: members('jury-in', 'jury-in-2') }))).id;
      otherJury = (await ok(admin('post', '/v1/juries', { sessionId: sessionOut, members: members('jury-out', 'jury-out-2') }))).id;
      await ok(as('jury-in-2', ['jury'], 'post', `/v1/juries/${jury}/recusals`, { candidateId: candidate, reason: 'voisine de Camille Durand' }));
      await ok(as('jury-in', ['jury'], 'post', `/v1/juries/${jury}/open`, {}));
      await ok(as('jury-in', ['jury'], 'post', `/v1/juries/${jury}/neutralisations`, { candidateId: candidate, criterion: 'CE2.3', opinionId }));
      await ok(as('jury-in', ['jury'], 'post', `/v1/juries/${jury}/decisions`, { candidateId: candidate, block: 'BC01', decision: 'deferred', motivation: 'Camille Durand doit repasser l’écrit' }));
      await ok(as('jury-in', ['jury'], 'post', `/v1/juries/${jury}/close`, {}));
      await ok(admin('post', `/v1/candidates/${candidate}/appeals`, { juryId: jury, reason: 'contestation de Camille Durand' }));
    });

    const text = (body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body));
    /** Which of these words the answer shows. */
    const shows = (body: unknown, words: string[]) => words.filter((w) => text(body).includes(w));

    type Reader = { sub: string; roles: Role[] };
    const readers: Record<string, Reader> = {
      admin: { sub: 'admin-1', roles: ['admin'] },
      referent: { sub: 'referent-1', roles: ['referent'] },
      'assessor of the session': { sub: 'assessor-in', roles: ['assessor'] },
      'assessor of another session': { sub: 'assessor-out', roles: ['assessor'] },
      'member of the jury of the session': { sub: 'jury-in', roles: ['jury'] },
      'president of a jury of another session': { sub: 'jury-out', roles: ['jury'] },
      regulator: { sub: 'reg-1', roles: ['regulator'] },
      'assessor of another session who is also regulator': { sub: 'assessor-out', roles: ['assessor', 'regulator'] },
      'regulator who is also a member of the jury of the session': { sub: 'jury-in', roles: ['regulator', 'jury'] },
    };
    /** What the reader must see: 403, or the identity (clear / pseudonym) and whether health and other texts are in clear. */
    type Expect = 403 | { identity: 'clear' | 'pseudonym'; health: boolean; personal: boolean };
    const CLEAR_ALL: Expect = { identity: 'clear', health: true, personal: true };
    const WORK: Expect = { identity: 'clear', health: false, personal: true };
    const PSEUDONYM: Expect = { identity: 'pseudonym', health: false, personal: false };

    /** The routes of docs/api.md that return a candidate's personal data, with the readers their roles let in. */
    const FILE_TEXTS = { health: HEALTH, personal: ['hésitante'] };
    const HISTORY_TEXTS = { health: HEALTH, personal: PERSONAL };
    const RECORD_TEXTS = { health: ['dyslexie', 'épilepsie', 'isolée'], personal: ['voisine', 'repasser'] };
    const NO_TEXT = { health: [], personal: [], noIdentity: true };
    const routes: Array<{ route: string; path: () => string; pdf?: boolean; texts: { health: string[]; personal: string[]; noIdentity?: boolean }; readers: Record<string, Expect> }> = [
      {
        route: 'GET /v1/candidates/{id}',
        path: () => `/v1/candidates/${candidate}`,
        texts: FILE_TEXTS,
        readers: {
          admin: CLEAR_ALL,
          referent: CLEAR_ALL,
          'assessor of the session': WORK,
          'assessor of another session': 403,
          'member of the jury of the session': WORK,
          'president of a jury of another session': 403,
          regulator: PSEUDONYM,
          'assessor of another session who is also regulator': PSEUDONYM,
          'regulator who is also a member of the jury of the session': WORK,
        },
      },
      ...['', '?asOf=2100-01-01T00:00:00Z'].map((query) => ({
        route: `GET /v1/candidates/{id}/progress${query}`,
        path: () => `/v1/candidates/${candidate}/progress${query}`,
        texts: NO_TEXT,
        readers: {
          admin: CLEAR_ALL,
          'assessor of the session': WORK,
          'assessor of another session': 403,
          'member of the jury of the session': WORK,
          'president of a jury of another session': 403,
          regulator: PSEUDONYM,
        } as Record<string, Expect>,
      })),
      {
        route: 'GET /v1/candidates/{id}/history',
        path: () => `/v1/candidates/${candidate}/history`,
        texts: HISTORY_TEXTS,
        readers: { admin: CLEAR_ALL, 'member of the jury of the session': WORK, 'president of a jury of another session': 403, regulator: PSEUDONYM, 'regulator who is also a member of the jury of the session': WORK },
      },
      {
        route: 'GET /v1/candidates/{id}/credentials',
        path: () => `/v1/candidates/${candidate}/credentials`,
        texts: NO_TEXT,
        readers: { admin: CLEAR_ALL, 'member of the jury of the session': WORK, 'president of a jury of another session': 403, regulator: PSEUDONYM },
      },
      {
        route: 'GET /v1/juries/{id}/record',
        path: () => `/v1/juries/${jury}/record`,
        texts: RECORD_TEXTS,
        readers: { admin: CLEAR_ALL, 'member of the jury of the session': WORK, 'president of a jury of another session': 403, regulator: PSEUDONYM, 'regulator who is also a member of the jury of the session': WORK },
      },
      {
        route: 'GET /v1/juries/{id}/record.pdf',
        path: () => `/v1/juries/${jury}/record.pdf`,
        pdf: true,
        texts: RECORD_TEXTS,
        readers: { admin: CLEAR_ALL, 'member of the jury of the session': WORK, 'president of a jury of another session': 403, regulator: PSEUDONYM },
      },
    ];
    const rows = routes.flatMap((r) => Object.entries(r.readers).map(([reader, expected]) => [r.route, reader, expected === 403 ? 'out of scope: 403' : `in scope: ${expected.identity}, health ${expected.health ? 'clear' : 'withheld'}`, r, expected] as const));

    it.each(rows.map((row) => row.slice(0, 3) as [string, string, string]))('%s as %s → %s', async (route, readerName) => {
      const row = rows.find((r) => r[0] === route && r[1] === readerName)!;
      const { path, pdf } = row[3];
      const expected = row[4];
      const reader = readers[readerName];
      const answer = pdf ? await pdfText(path(), reader.sub, reader.roles) : await as(reader.sub, reader.roles, 'get', path());
      const body: unknown = pdf ? (answer as { text: string }).text : (answer as unknown as { body: unknown }).body;
      if (expected === 403) {
        expect(answer.status).toBe(403);
        expect(pdf ? null : (body as { code: string }).code).toBe(pdf ? null : 'FORBIDDEN');
        expect(shows(body, [...NAME, ...HEALTH, ...PERSONAL])).toEqual([]);
        return;
      }
      expect(answer.status).toBe(200);
      const { texts } = row[3];
      expect(shows(body, NAME)).toEqual(!texts.noIdentity && expected.identity === 'clear' ? NAME : []);
      expect(shows(body, HEALTH)).toEqual(expected.health ? texts.health : []);
      expect(shows(body, PERSONAL)).toEqual(expected.personal ? texts.personal : []);
      if (!pdf && !texts.noIdentity) {
        // Withheld texts say so, they do not vanish; a pseudonym stands where the name would.
        if (!expected.health) expect(text(body)).toContain('[withheld]');
        if (expected.identity === 'pseudonym') expect(text(body)).toMatch(/C-[0-9A-F]{16}/);
      }
    });

    it('the candidate file shows assessors and jury members what was applied and that a favourable opinion was given, by whom and when', async () => {
      for (const reader of [readers['assessor of the session'], readers['member of the jury of the session']]) {
        const { body } = await as(reader.sub, reader.roles, 'get', `/v1/candidates/${candidate}`);
        expect(body.identity).toMatchObject({ status: 'identified', givenName: 'Camille', familyName: 'Durand' });
        const [request] = body.accommodationRequests;
        expect(request).toMatchObject({
          status: 'granted',
          accommodations: [{ type: 'extra-time', extraTimePercent: 33 }],
          justification: '[withheld]',
          opinion: { favourable: true, by: 'referent-1', motivation: '[withheld]' },
          decision: { granted: true, reason: '[withheld]' },
          applications: [{ sessionId: sessionIn, evaluation: 'écrit BC01', note: '[withheld]' }],
        });
        expect(Date.parse(request.opinion.at)).not.toBeNaN();
      }
      const { body } = await as('reg-1', ['regulator'], 'get', `/v1/candidates/${candidate}`);
      expect(body.identity).toEqual({ status: 'pseudonymised', pseudonym: expect.stringMatching(/^C-[0-9A-F]{16}$/) });
      const record = await as('reg-1', ['regulator'], 'get', `/v1/juries/${jury}/record`);
      expect(record.body.candidates.find((c: any) => c.candidateId === candidate)).toMatchObject({ candidateId: candidate, name: null, erased: false, pseudonym: body.identity.pseudonym });
    });

    it('free texts are stored sealed: the audit log holds no reason, note, comment or motivation in clear', async () => {
      const store = t.app.get(EVENT_STORE) as EventStore;
      const events = [...(await store.readStream(`candidate-${candidate}`)), ...(await store.readStream(`jury-${jury}`))];
      expect(shows(events.map((e) => e.data), [...NAME, ...HEALTH, ...PERSONAL])).toEqual([]);
      const versions = Object.fromEntries(events.map((e) => [e.type, e.schemaVersion]));
      expect(versions).toMatchObject({ AccommodationGranted: 2, AccommodationApplied: 2, CriterionScored: 2, BlockDecided: 2, MemberRecused: 2, AppealLodged: 2 });
    });

    it('events written before texts were sealed (schema version 1, text in clear) read by the same table, [erased] after erasure; their record and the ledger still verify', async () => {
      const store = t.app.get(EVENT_STORE) as EventStore;
      const meta = (id: string, role: string) => ({ actor: { id, role }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() });
      const lea = (await ok(admin('post', '/v1/candidates', { givenName: 'Léa', familyName: 'Martin', birthDate: '1991-01-01', email: 'lea@example.org', accessRoute: 'vae' }))).id;
      await ok(admin('post', `/v1/candidates/${lea}/enrolments`, { sessionId: sessionIn, blocks: ['BC01'] }));
      const { requestId } = await ok(admin('post', `/v1/candidates/${lea}/accommodations`, { accommodations: [{ type: 'assistant' }], justification: 'trouble visuel' }));
      // As the previous version wrote them: the texts in clear, schema version 1.
      await store.append(`candidate-${lea}`, [{ type: 'AccommodationGranted', schemaVersion: 1, data: { candidateId: lea, requestId, reason: 'cécité de Léa Martin' }, metadata: meta('admin-1', 'admin') }], { expectedVersion: 'any' });
      const legacyJury = (await ok(admin('post', '/v1/juries', { sessionId: sessionIn, members: [{ userId: 'jury-in', name: 'Paule Présidente', president: true, professional: true }] }))).id;
      await ok(as('jury-in', ['jury'], 'post', `/v1/juries/${legacyJury}/open`, {}));
      await store.appendMany([
        { streamId: `jury-${legacyJury}`, expectedVersion: 'any', events: [{ type: 'BlockDecided', schemaVersion: 1, data: { juryId: legacyJury, candidateId: lea, block: 'BC01', decision: 'deferred', proposal: 'incomplete', motivation: 'Léa Martin à réentendre' }, metadata: meta('jury-in', 'jury') }] },
        { streamId: `candidate-${lea}`, expectedVersion: 'any', events: [{ type: 'BlockDecisionRecorded', data: { candidateId: lea, juryId: legacyJury, sessionId: sessionIn, block: 'BC01', decision: 'deferred', revision: false }, metadata: meta('jury-in', 'jury') }] },
      ]);
      await ok(as('jury-in', ['jury'], 'post', `/v1/juries/${legacyJury}/close`, {}));

      const decision = async (sub: string, roles: Role[]) => (await as(sub, roles, 'get', `/v1/candidates/${lea}`)).body.accommodationRequests[0].decision.reason;
      expect(await decision('admin-1', ['admin'])).toBe('cécité de Léa Martin');
      expect(await decision('jury-in', ['jury'])).toBe('[withheld]');
      expect(await decision('reg-1', ['regulator'])).toBe('[withheld]');
      const motivation = async (sub: string, roles: Role[]) => {
        const { body } = await as(sub, roles, 'get', `/v1/juries/${legacyJury}/record`);
        expect(body.sealVerification).toMatchObject({ intact: true, signatureValid: true });
        return { shown: body.candidates.find((c: any) => c.candidateId === lea).blocks[0].motivation, sealed: body.sealVerification.content.decisions[0].motivation, hash: body.sealHash };
      };
      const member = await motivation('jury-in', ['jury']);
      expect(member).toMatchObject({ shown: 'Léa Martin à réentendre', sealed: 'Léa Martin à réentendre' });
      expect(await motivation('reg-1', ['regulator'])).toMatchObject({ shown: '[withheld]', sealed: '[withheld]' });

      await ok(admin('post', `/v1/candidates/${lea}/erasure`, { reason: 'RGPD-2026-043', overrideRetention: true }));
      expect(await decision('admin-1', ['admin'])).toBe('[erased]');
      expect(await motivation('admin-1', ['admin'])).toEqual({ shown: '[erased]', sealed: '[erased]', hash: member.hash });
      const history = (await admin('get', `/v1/candidates/${lea}/history`)).body;
      expect(shows(history, ['Léa', 'Martin', 'cécité', 'réentendre'])).toEqual([]);

      const ledger = t.app.get(LedgerService);
      const head = await store.headPosition();
      for (const deadline = Date.now() + 20_000; (await ledger.sealedUpTo()) < head && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      const verified = await as('reg-1', ['regulator'], 'get', '/v1/audit/verify');
      expect([verified.status, verified.body.ok]).toEqual([200, true]);
    });

    it('after erasure the texts read [erased] in the candidate file, the record, the history and the audit export; the seal still verifies', async () => {
      const before = (await admin('get', `/v1/juries/${jury}/record`)).body;
      expect(before.sealVerification).toMatchObject({ intact: true, signatureValid: true });
      // The erasure reason stays in clear: a reference, never the person's name.
      const named = await admin('post', `/v1/candidates/${candidate}/erasure`, { reason: 'demande de camille DURAND', overrideRetention: true });
      expect([named.status, named.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      await ok(admin('post', `/v1/candidates/${candidate}/erasure`, { reason: 'RGPD-2026-042', overrideRetention: true }));

      const file = (await admin('get', `/v1/candidates/${candidate}`)).body;
      expect(file.accommodationRequests[0].decision).toEqual({ granted: true, reason: '[erased]' });
      expect(file.scores[0].comment).toBe('[erased]');
      const record = (await admin('get', `/v1/juries/${jury}/record`)).body;
      expect(record.candidates.find((c: any) => c.candidateId === candidate).blocks[0].motivation).toBe('[erased]');
      expect(record.candidates.find((c: any) => c.candidateId === candidate).accommodations[0].reason).toBe('[erased]');
      expect(record.sealHash).toBe(before.sealHash);
      expect(record.sealVerification).toMatchObject({ intact: true, signatureValid: true, contentHash: before.sealVerification.contentHash });
      const history = (await admin('get', `/v1/candidates/${candidate}/history`)).body;
      expect(history.find((e: { type: string }) => e.type === 'AccommodationGranted').data.reason).toBe('[erased]');
      const pdf = await pdfText(`/v1/juries/${jury}/record.pdf`, 'admin-1', ['admin']);

      const ledger = t.app.get(LedgerService);
      const head = await (t.app.get(EVENT_STORE) as EventStore).headPosition();
      for (const deadline = Date.now() + 20_000; (await ledger.sealedUpTo()) < head && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      const exported = await t
        .http()
        .get('/v1/audit/export')
        .set('Authorization', await bearer('reg-1', ['regulator']))
        .buffer(true)
        .parse((r, done) => {
          let s = '';
          r.setEncoding('utf8');
          r.on('data', (c: string) => (s += c));
          r.on('end', () => done(null, s));
        });
      expect(exported.status).toBe(200);
      expect(exported.body).toContain('AccommodationGranted');
      for (const answer of [file, record, history, pdf.text, exported.body]) expect(shows(answer, [...NAME, ...HEALTH, ...PERSONAL])).toEqual([]);
    });
  });
});
