import { clear, h } from '../../dom.js';
import type { ScreenContext } from '../../router.js';
import {
  alertRegion,
  DECISIONS,
  day,
  field,
  heading,
  idempotencyKey,
  identityLine,
  input,
  JURY_STATUSES,
  label,
  link,
  onSubmit,
  pagedList,
  progressCounter,
  PROPOSALS,
  qs,
  section,
  select,
  table,
  valueOf,
} from './widgets.js';

const PAGE = 50;

export async function publishedReferentials(ctx: ScreenContext): Promise<Array<[string, string]>> {
  const { body } = await ctx.api.get<any[]>('/v1/referentials');
  return body.filter((r) => r.status === 'published').map((r) => [r.id, `${r.code} v${r.version} — ${r.title}`]);
}

export async function sessionsScreen(ctx: ScreenContext, _params: Record<string, string>, query: URLSearchParams): Promise<Node> {
  const list = h('div', {});
  const show = pagedList<any>(ctx, list, (cursor) => `/v1/sessions${qs({ limit: PAGE, cursor })}`, (items) => {
    return [
      table(
        'Sessions',
        ['Session', 'Certification', 'Dates', 'Candidats', 'Jurys'],
        items.map((s) => [link(`/admin/sessions/${s.id}`, s.title), s.certificationCode, `du ${day(s.startsOn)} au ${day(s.endsOn)}`, String(s.candidates), String(s.juries)]),
        'Aucune session.',
      ),
    ];
  });

  const referentials = await publishedReferentials(ctx);
  const alert = alertRegion();
  const form = h(
    'form',
    { 'aria-label': 'Ouvrir une session' },
    field('Référentiel publié', select('referentialId', referentials, { required: true })),
    field('Intitulé', input('title', { required: true, maxlength: '200' })),
    field('Premier jour', input('startsOn', { type: 'date', required: true })),
    field('Dernier jour', input('endsOn', { type: 'date', required: true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Ouvrir la session')),
    alert,
  ) as HTMLFormElement;
  onSubmit(form, alert, async () => {
    const { body } = await ctx.api.post<any>(
      '/v1/sessions',
      { referentialId: valueOf(form, 'referentialId'), title: valueOf(form, 'title'), startsOn: valueOf(form, 'startsOn'), endsOn: valueOf(form, 'endsOn') },
      { idempotencyKey: idempotencyKey() },
    );
    form.reset();
    await show(null);
    return 'Session ouverte.';
  });

  await show(query.get('cursor'));
  return h('div', { class: 'ecran' }, heading('Sessions'), section('Sessions d’examen', list), section('Ouvrir une session', referentials.length ? form : h('p', {}, 'Publiez d’abord un référentiel.')));
}

/** One session: its assessors (assigned with If-Match on the version shown), its sheet with counters, its juries. */
export async function sessionScreen(ctx: ScreenContext, params: Record<string, string>): Promise<Node> {
  const id = params.id;
  const details = h('div', {});
  const alert = alertRegion();
  const assign = h(
    'form',
    { 'aria-label': 'Affecter un évaluateur' },
    field('Identifiant de l’évaluateur', input('userId', { required: true, maxlength: '200' }), 'L’identifiant de connexion (sub) de l’évaluateur.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Affecter')),
    alert,
  ) as HTMLFormElement;
  let version = '';
  const assessors = h('div', {});
  const load = async () => {
    const { body, etag } = await ctx.api.get<any>(`/v1/sessions/${id}`);
    version = etag ?? '';
    clear(details);
    details.append(
      heading(body.title),
      h('p', {}, `Du ${day(body.startsOn)} au ${day(body.endsOn)} — version ${body.version}`),
    );
    clear(assessors);
    assessors.append(table('Évaluateurs affectés', ['Évaluateur'], (body.assessors as string[]).map((a) => [a]), 'Aucun évaluateur affecté.'));
  };
  onSubmit(assign, alert, async () => {
    await ctx.api.post(`/v1/sessions/${id}/assessors`, { userId: valueOf(assign, 'userId') }, { ifMatch: version });
    assign.reset();
    await load();
    return 'Évaluateur affecté.';
  });

  const sheet = h('div', {});
  const showSheet = pagedList<any>(ctx, sheet, (cursor) => `/v1/sessions/${id}/candidates${qs({ limit: PAGE, cursor })}`, (items) => {
    const blocks = items.flatMap((c) => c.blocks as any[]);
    return [
      progressCounter('Blocs délibérés sur cette page', blocks.filter((b) => b.decision).length, blocks.length),
      table(
        'Candidats inscrits',
        ['Candidat', 'Blocs', 'Aménagements', 'Avis en attente', 'Certifié'],
        items.map((c) => [
          link(`/admin/candidats/${c.candidateId}`, identityLine(c.identity)),
          (c.blocks as any[]).map((b) => `${b.code} : ${label(DECISIONS, b.decision, label(PROPOSALS, b.proposal))} (${b.criteria.scored}/${b.criteria.total - b.criteria.neutralised})`).join(' · '),
          (c.accommodations as string[]).join(', ') || '—',
          String(c.pendingOpinions),
          c.certified ? 'oui' : 'non',
        ]),
        'Aucun candidat inscrit.',
      ),
    ];
  });

  const juries = h('div', {});
  const { body: juryPage } = await ctx.api.get<{ items: any[] }>(`/v1/juries${qs({ sessionId: id, limit: 200 })}`);
  juries.append(
    table('Jurys', ['Jury', 'Statut', 'Président'], juryPage.items.map((j) => [String(j.id).slice(0, 8), label(JURY_STATUSES, j.status), (j.members as any[]).find((m) => m.president)?.name ?? '—']), 'Aucun jury convoqué.'),
    link(`/admin/jurys${qs({ sessionId: id })}`, 'Convoquer un jury pour cette session'),
  );

  await Promise.all([load(), showSheet()]);
  return h('div', { class: 'ecran' }, details, section('Évaluateurs', assessors, assign), section('Feuille de délibération', sheet), section('Jurys', juries));
}

/**
 * Assessors are users of the identity provider, not records of their own:
 * what the back office manages is who is assigned to which session. This
 * screen gathers it from the sessions (one read per session, counted while it
 * loads) and assigns from one place.
 */
export async function assessorsScreen(ctx: ScreenContext): Promise<Node> {
  const sessions: any[] = [];
  let cursor: string | null = null;
  do {
    const { body }: { body: { items: any[]; next: string | null } } = await ctx.api.get(`/v1/sessions${qs({ limit: 200, cursor })}`);
    sessions.push(...body.items);
    cursor = body.next;
  } while (cursor && sessions.length < 1000);

  const counter = h('div', { 'aria-live': 'polite' });
  const list = h('div', {});
  const byAssessor = new Map<string, string[]>();
  const versions = new Map<string, string>();
  const load = async () => {
    byAssessor.clear();
    let done = 0;
    for (const s of sessions) {
      const { body, etag } = await ctx.api.get<any>(`/v1/sessions/${s.id}`);
      versions.set(s.id, etag ?? '');
      for (const a of body.assessors as string[]) byAssessor.set(a, [...(byAssessor.get(a) ?? []), s.title]);
      done += 1;
      clear(counter);
      counter.append(progressCounter('Sessions lues', done, sessions.length));
    }
    clear(list);
    list.append(table('Évaluateurs et leurs sessions', ['Évaluateur', 'Sessions'], [...byAssessor].sort(([a], [b]) => a.localeCompare(b)).map(([a, titles]) => [a, titles.join(', ')]), 'Aucun évaluateur affecté.'));
  };

  const alert = alertRegion();
  const form = h(
    'form',
    { 'aria-label': 'Affecter un évaluateur à une session' },
    field('Identifiant de l’évaluateur', input('userId', { required: true, maxlength: '200' })),
    field('Session', select('sessionId', sessions.map((s) => [s.id, `${s.title} (${day(s.startsOn)})`]), { required: true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Affecter')),
    alert,
  ) as HTMLFormElement;
  onSubmit(form, alert, async () => {
    const sessionId = valueOf(form, 'sessionId');
    await ctx.api.post(`/v1/sessions/${sessionId}/assessors`, { userId: valueOf(form, 'userId') }, { ifMatch: versions.get(sessionId) });
    form.reset();
    await load();
    return 'Évaluateur affecté.';
  });

  await load();
  return h('div', { class: 'ecran' }, heading('Évaluateurs'), section('Affectations', counter, list), section('Affecter', sessions.length ? form : h('p', {}, 'Aucune session ouverte.')));
}
