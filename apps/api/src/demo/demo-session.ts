import seedDocument from '@app/domain/referential/seed/manager-marketing-commercial.referential.json';

/**
 * A realistic session played through the public HTTP API, as the back office,
 * the assessors, the disability referent and the jury would: the shipped
 * referential, a session, candidates scored on the four blocks, accommodations
 * with the referent's opinions, one neutralisation, a deliberation that
 * closes, and an appeal decided by a revision jury. Everything goes through
 * the routes of docs/api.md, so the demo is also a walk through the contract.
 */

export interface DemoTokens {
  admin: string;
  assessor: string;
  referent: string;
  president: string;
  regulator: string;
}

export interface DemoOptions {
  baseUrl: string;
  tokens: DemoTokens;
  candidates: number;
  /** One line per step, for the person watching. */
  log(line: string): void;
  /**
   * 'sealed' (the default, `npm run demo`): the whole story, appeal included.
   * 'convened': stops once the jury is convened, before the president opens
   * the deliberation, so that it can be deliberated by hand (the console's
   * browser tests do).
   */
  until?: 'sealed' | 'convened';
}

export interface DemoResult {
  referentialId: string;
  sessionId: string;
  juryId: string;
  /** null when the demo stopped before the deliberation (`until: 'convened'`). */
  revisionJuryId: string | null;
  candidateIds: string[];
  /** The candidate whose appeal the revision jury decided. */
  appellantId: string;
  /** The candidate whose criterion was neutralised on the referent's opinion. */
  neutralisedCandidateId: string;
  commands: number;
  lastPosition: number;
}

interface ReferentialDocument {
  code: string;
  blocks: Array<{ code: string; competences: Array<{ criteria: Array<{ code: string; core: boolean }> }> }>;
}

export function seedReferential(): ReferentialDocument {
  return seedDocument as ReferentialDocument;
}

const GIVEN = ['Camille', 'Léa', 'Hugo', 'Chloé', 'Lucas', 'Inès', 'Mathis', 'Manon', 'Nathan', 'Élodie', 'Théo', 'Sarah', 'Louis', 'Jade', 'Gabriel', 'Emma', 'Raphaël', 'Zoé', 'Arthur', 'Lina', 'Jules', 'Anaïs', 'Noah', 'Clara', 'Adam', 'Juliette', 'Maël', 'Louise', 'Sacha', 'Margaux'];
const FAMILY = ['Durand', 'Martin', 'Bernard', 'Petit', 'Robert', 'Richard', 'Moreau', 'Lefèvre', 'Garcia', 'Roux', 'Fournier', 'Girard', 'Bonnet', 'Dupont', 'Lambert', 'Fontaine', 'Rousseau', 'Vincent', 'Muller', 'Leroy', 'Faure', 'André', 'Mercier', 'Blanc', 'Guérin', 'Boyer', 'Garnier', 'Chevalier', 'François', 'Legrand'];
const ROUTES = ['apprenticeship', 'continuing-education', 'initial-training', 'apprenticeship', 'independent'];

/** What the assessors find for candidate i: most acquire everything; a few miss a criterion or were not evaluated on one. */
interface Plan {
  missed: Set<string>;
  unscored: Set<string>;
}

class Http {
  commands = 0;
  lastPosition = 0;
  constructor(private readonly baseUrl: string) {}

  async post(token: string, path: string, body: unknown): Promise<any> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(this.baseUrl + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      // The abuse limits protect a small back office; the demo waits its turn like any client.
      if ((res.status === 429 || res.status === 503) && attempt < 20) {
        await new Promise((r) => setTimeout(r, 1000 * Math.max(1, Number(res.headers.get('retry-after')) || 1)));
        continue;
      }
      if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${text}`);
      const answer = JSON.parse(text);
      this.commands++;
      this.lastPosition = Math.max(this.lastPosition, answer.position ?? 0);
      return answer;
    }
  }

  async get(token: string, path: string): Promise<any> {
    const res = await fetch(this.baseUrl + path, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }
}

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i], i);
      }
    }),
  );
}

export async function runDemo({ baseUrl, tokens, candidates, log, until = 'sealed' }: DemoOptions): Promise<DemoResult> {
  const http = new Http(baseUrl);
  const document = seedReferential();
  const blocks = document.blocks.map((b) => b.code);
  const criteriaOf = (block: string) => document.blocks.find((b) => b.code === block)!.competences.flatMap((c) => c.criteria);
  const lastBlock = blocks[blocks.length - 1];
  const nonCore = criteriaOf(lastBlock).find((c) => !c.core)!.code;

  // The referential: reuse the published version of this certification if an earlier demo left one.
  const existing = ((await http.get(tokens.admin, '/v1/referentials')) as Array<{ id: string; code: string; status: string }>).find((r) => r.code === document.code && r.status === 'published');
  let referentialId = existing?.id;
  if (!referentialId) {
    referentialId = (await http.post(tokens.admin, '/v1/referentials', document)).id as string;
    await http.post(tokens.admin, `/v1/referentials/${referentialId}/publish`, {});
    log(`référentiel ${document.code} publié (${referentialId})`);
  } else log(`référentiel ${document.code} déjà publié (${referentialId})`);

  const sessionId = (await http.post(tokens.admin, '/v1/sessions', { referentialId, title: 'Session de démonstration — juin 2026', startsOn: '2026-06-01', endsOn: '2026-06-30' })).id as string;
  await http.post(tokens.admin, `/v1/sessions/${sessionId}/assessors`, { userId: 'eval-1' });
  log(`session ouverte (${sessionId}), évaluatrice eval-1 affectée`);

  const count = Math.max(4, Math.min(candidates, GIVEN.length));
  const plans: Plan[] = Array.from({ length: count }, (_, i) => ({
    missed: new Set(i % 7 === 3 ? [criteriaOf(blocks[1])[2].code] : i === 1 ? [nonCore] : []),
    unscored: new Set(i % 11 === 6 ? [criteriaOf(blocks[2])[0].code] : []),
  }));
  const appellant = 3; // misses a criterion of the second block, appeals, and the revision jury validates it
  const neutralised = 1; // misses the non-core criterion the referent recommends neutralising

  const candidateIds: string[] = [];
  const opinions = new Map<number, string>();
  await inParallel(plans, 6, async (plan, i) => {
    const id = (
      await http.post(tokens.admin, '/v1/candidates', {
        givenName: GIVEN[i],
        familyName: FAMILY[i],
        birthDate: `${1990 + (i % 12)}-${String(1 + (i % 12)).padStart(2, '0')}-${String(3 + (i % 25)).padStart(2, '0')}`,
        email: `${GIVEN[i]}.${FAMILY[i]}@example.org`.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase(),
        accessRoute: ROUTES[i % ROUTES.length],
        sex: i % 2 === 0 ? 'F' : 'M',
        birthPlaceCode: '75056',
      })
    ).id as string;
    candidateIds[i] = id;
    await http.post(tokens.admin, `/v1/candidates/${id}/enrolments`, { sessionId, blocks });
    if (i % 5 === 1) {
      // A third of extra time and an adapted workstation, on the referent's favourable opinion.
      const { requestId } = await http.post(tokens.admin, `/v1/candidates/${id}/accommodations`, {
        accommodations: [{ type: 'extra-time', extraTimePercent: 33 }, { type: 'adapted-equipment', details: 'poste de travail adapté, écran agrandi' }],
        justification: 'certificat médical transmis au référent handicap (trouble de la vision)',
      });
      await http.post(tokens.referent, `/v1/candidates/${id}/accommodations/${requestId}/opinion`, { favourable: true, motivation: 'avis favorable : le tiers temps et le matériel adapté compensent le trouble constaté' });
      await http.post(tokens.admin, `/v1/candidates/${id}/accommodations/${requestId}/decision`, { granted: true, reason: 'accordé conformément à l’avis du référent handicap' });
      await http.post(tokens.assessor, `/v1/candidates/${id}/accommodations/${requestId}/applications`, { sessionId, evaluation: 'Étude de cas individuelle', note: 'tiers temps appliqué, poste adapté installé' });
    }
    if (i === neutralised) {
      const { opinionId } = await http.post(tokens.referent, `/v1/candidates/${id}/neutralisation-opinions`, {
        criteria: [nonCore],
        motivation: 'la nature du handicap rend ce critère sans objet pour ce candidat ; il ne relève pas du cœur du métier',
      });
      opinions.set(i, opinionId as string);
    }
    for (const block of blocks) {
      for (const { code } of criteriaOf(block)) {
        if (plan.unscored.has(code)) continue;
        const missed = plan.missed.has(code);
        await http.post(tokens.assessor, `/v1/candidates/${id}/scores`, { sessionId, criterion: code, result: missed ? 'not-acquired' : 'acquired', ...(missed ? { comment: 'attendu non démontré lors de l’épreuve' } : {}) });
      }
    }
    log(`candidat ${i + 1}/${count} inscrit et évalué`);
  });

  const members = [
    { userId: 'pres-1', name: 'Claire Petit', president: true, professional: false },
    { userId: 'pro-1', name: 'Marc Leroy', president: false, professional: true },
  ];
  const juryId = (await http.post(tokens.admin, '/v1/juries', { sessionId, members })).id as string;
  if (until === 'convened') {
    log(`jury ${juryId} convoqué : la délibération reste à ouvrir`);
    return { referentialId, sessionId, juryId, revisionJuryId: null, candidateIds, appellantId: candidateIds[appellant], neutralisedCandidateId: candidateIds[neutralised], commands: http.commands, lastPosition: http.lastPosition };
  }
  await http.post(tokens.president, `/v1/juries/${juryId}/open`, {});
  await http.post(tokens.president, `/v1/juries/${juryId}/neutralisations`, { candidateId: candidateIds[neutralised], criterion: nonCore, opinionId: opinions.get(neutralised) });
  await inParallel(plans, 4, async (plan, i) => {
    for (const block of blocks) {
      const codes = criteriaOf(block).map((c) => c.code);
      const incomplete = codes.some((c) => plan.unscored.has(c));
      const missed = codes.some((c) => plan.missed.has(c) && !(i === neutralised && c === nonCore));
      const body = incomplete
        ? { decision: 'deferred', motivation: 'un critère n’a pas été évalué : décision renvoyée à une prochaine délibération' }
        : missed
          ? { decision: 'not-validated' }
          : { decision: 'validated' };
      await http.post(tokens.president, `/v1/juries/${juryId}/decisions`, { candidateId: candidateIds[i], block, ...body });
    }
  });
  const closed = await http.post(tokens.president, `/v1/juries/${juryId}/close`, {});
  log(`délibération close et scellée (jury ${juryId}, sceau ${String(closed.sealHash).slice(0, 16)}…)`);

  // The appeal: a material error in the report of one criterion, decided by a revision jury.
  const { appealId } = await http.post(tokens.admin, `/v1/candidates/${candidateIds[appellant]}/appeals`, { juryId, reason: 'le candidat conteste le report d’un critère du bloc : copie double non prise en compte' });
  const revisionJuryId = (await http.post(tokens.admin, '/v1/juries', { sessionId, members, revises: { juryId, reason: 'appeal', appealId } })).id as string;
  await http.post(tokens.president, `/v1/juries/${revisionJuryId}/open`, {});
  await http.post(tokens.president, `/v1/juries/${revisionJuryId}/decisions`, {
    candidateId: candidateIds[appellant],
    block: blocks[1],
    decision: 'validated',
    motivation: 'la copie double retrouvée démontre le critère : le bloc est validé en révision',
  });
  await http.post(tokens.president, `/v1/juries/${revisionJuryId}/close`, {});
  log(`recours jugé par le jury de révision ${revisionJuryId}`);

  return { referentialId, sessionId, juryId, revisionJuryId, candidateIds, appellantId: candidateIds[appellant], neutralisedCandidateId: candidateIds[neutralised], commands: http.commands, lastPosition: http.lastPosition };
}
