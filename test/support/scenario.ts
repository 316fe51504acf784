import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The data a scoring test needs, set up through the public HTTP API only (so
 * it works the same against an in-process server and a real process): the
 * seed referential published, a session, its assessors, candidates enrolled.
 */
export const SEED_REFERENTIAL = JSON.parse(readFileSync(join(__dirname, '../../libs/domain/src/referential/seed/manager-marketing-commercial.referential.json'), 'utf8'));

/** Every criterion of the seed referential with its block, in document order. */
export const SEED_CRITERIA: Array<{ block: string; criterion: string }> = SEED_REFERENTIAL.blocks.flatMap((b: any) =>
  b.competences.flatMap((c: any) => c.criteria.map((cr: any) => ({ block: b.code as string, criterion: cr.code as string }))),
);

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
  ms: number;
}

/** A small fetch client: keep-alive (Node's fetch pools connections), a bounded wait, JSON in and out. */
export class ApiClient {
  constructor(
    public baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 15_000,
  ) {}

  async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send('POST', path, body, headers);
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send('GET', path, undefined, headers);
  }

  async send(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
    const started = Date.now();
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (PDF, NDJSON): keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers, ms: Date.now() - started };
  }
}

export interface Scenario {
  referentialId: string;
  sessionId: string;
  candidateIds: string[];
  blocks: string[];
  /** The criteria the candidates are enrolled for (every criterion of `blocks`). */
  criteria: Array<{ block: string; criterion: string }>;
}

async function expect201(what: string, answer: Promise<Answer>): Promise<Answer> {
  const a = await answer;
  if (a.status !== 201) throw new Error(`${what}: expected 201, got ${a.status} ${JSON.stringify(a.body)}`);
  return a;
}

/**
 * Publishes the seed referential (or reuses `referentialId`), opens a session,
 * assigns `assessors`, registers and enrols `candidates` candidates in `blocks`.
 */
export async function setUpScenario(
  admin: ApiClient,
  options: { candidates?: number; blocks?: string[]; assessors?: string[]; referentialId?: string } = {},
): Promise<Scenario> {
  const blocks = options.blocks ?? ['BC01', 'BC02', 'BC03', 'BC04'];
  let referentialId = options.referentialId;
  if (!referentialId) {
    referentialId = (await expect201('draft referential', admin.post('/v1/referentials', SEED_REFERENTIAL))).body.id as string;
    await expect201('publish referential', admin.post(`/v1/referentials/${referentialId}/publish`, {}));
  }
  const sessionId = (await expect201('open session', admin.post('/v1/sessions', { referentialId, title: 'Session de fiabilité', startsOn: '2026-06-01', endsOn: '2026-06-30' }))).body
    .id as string;
  for (const userId of options.assessors ?? ['assessor-1']) await expect201('assign assessor', admin.post(`/v1/sessions/${sessionId}/assessors`, { userId }));
  const candidateIds: string[] = [];
  for (let i = 0; i < (options.candidates ?? 1); i++) {
    const id = (
      await expect201(
        'register candidate',
        admin.post('/v1/candidates', { givenName: `Camille${i}`, familyName: 'Fiable', birthDate: '1995-03-14', email: `camille${i}@example.org`, accessRoute: 'continuing-education' }),
      )
    ).body.id as string;
    await expect201('enrol candidate', admin.post(`/v1/candidates/${id}/enrolments`, { sessionId, blocks }));
    candidateIds.push(id);
  }
  return { referentialId, sessionId, candidateIds, blocks, criteria: SEED_CRITERIA.filter((c) => blocks.includes(c.block)) };
}

/** Counts of each value, for reporting status codes. */
export function tally(values: Array<string | number>): Record<string, number> {
  return values.reduce<Record<string, number>>((acc, v) => ((acc[v] = (acc[v] ?? 0) + 1), acc), {});
}
