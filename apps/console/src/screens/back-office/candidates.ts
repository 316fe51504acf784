import { clear, h } from '../../dom.js';
import type { ScreenContext } from '../../router.js';
import {
  ACCESS_ROUTES,
  ACCOMMODATION_STATUSES,
  ACCOMMODATION_TYPES,
  alertRegion,
  dateTime,
  day,
  DECISIONS,
  field,
  heading,
  idempotencyKey,
  identityLine,
  input,
  label,
  link,
  onSubmit,
  pagedList,
  qs,
  section,
  select,
  table,
  textarea,
  uid,
  valueOf,
} from './widgets.js';

const SEARCH_FIELDS: Array<[string, string, string]> = [
  ['familyName', 'Nom de naissance', 'text'],
  ['givenName', 'Prénoms', 'text'],
  ['birthDate', 'Date de naissance', 'date'],
  ['email', 'Courriel', 'email'],
];

/** Search by identity (exact, ignoring case and accents, as the API compares) and registration. */
export async function candidatesScreen(ctx: ScreenContext, _params: Record<string, string>, query: URLSearchParams): Promise<Node> {
  const results = h('div', { 'aria-live': 'polite' });
  const searchAlert = alertRegion();
  const search = h(
    'form',
    { 'aria-label': 'Rechercher un candidat', role: 'search' },
    SEARCH_FIELDS.map(([name, text, type]) => field(text, input(name, { type, value: query.get(name) ?? '' }))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Rechercher')),
    searchAlert,
  ) as HTMLFormElement;
  const criteria = () => Object.fromEntries(SEARCH_FIELDS.map(([name]) => [name, valueOf(search, name)]).filter(([, v]) => v));
  const show = pagedList<any>(ctx, results, (cursor) => `/v1/candidates${qs({ ...criteria(), cursor })}`, (items) => {
    return [
      table(
        'Candidats trouvés',
        ['Candidat', 'Date de naissance', 'Sessions', 'Certifié'],
        items.map((c) => [link(`/admin/candidats/${c.candidateId}`, identityLine(c.identity)), day(c.identity?.birthDate), String(c.sessions.length), c.certified ? 'oui' : 'non']),
        'Aucun candidat ne correspond.',
      ),
    ];
  });
  onSubmit(search, searchAlert, async () => {
    if (Object.keys(criteria()).length === 0) throw new Error('Renseignez au moins un champ.');
    await show(null);
  });
  if (Object.keys(criteria()).length) await show(null).catch(() => undefined);

  const alert = alertRegion();
  const register = h(
    'form',
    { 'aria-label': 'Inscrire un candidat' },
    field('Nom de naissance', input('familyName', { required: true, maxlength: '100', autocomplete: 'off' })),
    field('Nom d’usage', input('usageName', { maxlength: '60', autocomplete: 'off' }), 'Facultatif.'),
    field('Prénoms', input('givenName', { required: true, maxlength: '100', autocomplete: 'off' }), 'Tous les prénoms, dans l’ordre.'),
    field('Date de naissance', input('birthDate', { type: 'date', required: true })),
    field('Courriel', input('email', { type: 'email', required: true, autocomplete: 'off' })),
    field('Voie d’accès', select('accessRoute', ACCESS_ROUTES, { required: true })),
    field('Sexe', select('sex', [['', 'Non renseigné'], ['F', 'Féminin'], ['M', 'Masculin']])),
    field('Commune de naissance (code INSEE)', input('birthPlaceCode', { maxlength: '5', pattern: '[0-9][0-9AB][0-9]{3}' }), 'Facultatif ; 99xxx pour un pays étranger.'),
    field('Pays de naissance (code)', input('birthCountryCode', { maxlength: '5' }), 'Facultatif.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Inscrire')),
    alert,
  ) as HTMLFormElement;
  onSubmit(register, alert, async () => {
    const body: Record<string, string> = {};
    for (const name of ['familyName', 'usageName', 'givenName', 'birthDate', 'email', 'accessRoute', 'sex', 'birthPlaceCode', 'birthCountryCode']) {
      const value = valueOf(register, name);
      if (value) body[name] = value;
    }
    const { body: answer } = await ctx.api.post<any>('/v1/candidates', body, { idempotencyKey: idempotencyKey() });
    ctx.notify('Candidat inscrit.', 'info');
    ctx.navigate(`/admin/candidats/${answer.id}`);
  });

  return h('div', { class: 'ecran' }, heading('Candidats'), section('Rechercher', search, results), section('Inscrire un candidat', register));
}

/**
 * A candidate's file: identity, enrolments, accommodation requests with the
 * referent's opinion and the decision. Every command carries the file's
 * version as it is displayed (If-Match): if someone else changed the file
 * meanwhile the API answers 412 and the form says to reload.
 */
export async function candidateScreen(ctx: ScreenContext, params: Record<string, string>): Promise<Node> {
  const id = params.id;
  const root = h('div', { class: 'ecran' });
  const load = async () => {
    const [{ body: file, etag: read }, { body: sessions }] = await Promise.all([ctx.api.get<any>(`/v1/candidates/${id}`), ctx.api.get<{ items: any[] }>(`/v1/sessions${qs({ limit: 200 })}`)]);
    const titles = new Map(sessions.items.map((s) => [s.id as string, `${s.title} (${day(s.startsOn)})`]));
    const sessionName = (sessionId: string) => titles.get(sessionId) ?? sessionId.slice(0, 8);
    const etag = read ?? undefined;
    clear(root);
    root.append(
      heading(identityLine(file.identity)),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Date de naissance'),
        h('dd', {}, day(file.identity?.birthDate)),
        h('dt', {}, 'Voie d’accès'),
        h('dd', {}, label(ACCESS_ROUTES, file.accessRoute)),
        h('dt', {}, 'Version du dossier'),
        h('dd', {}, String(file.version)),
        h('dt', {}, 'Certifications'),
        h('dd', {}, (file.certifications as any[]).map((c) => c.certificationCode ?? c.code).join(', ') || 'aucune'),
      ),
      section(
        'Inscriptions aux sessions',
        table('Inscriptions', ['Session', 'Blocs'], (file.enrolments as any[]).map((e) => [sessionName(e.sessionId), (e.blocks as string[]).join(', ')]), 'Inscrit à aucune session.'),
        enrolForm(ctx, id, sessions.items, etag, load),
      ),
      section(
        'Aménagements',
        (file.accommodationRequests as any[]).length === 0 ? h('p', { class: 'muted' }, 'Aucune demande.') : null,
        ...(file.accommodationRequests as any[]).map((r) => accommodationCard(ctx, id, r, etag, load)),
        requestForm(ctx, id, etag, load),
      ),
      section(
        'Décisions du jury',
        table('Décisions en vigueur', ['Session', 'Bloc', 'Décision'], (file.decisions as any[]).map((d) => [sessionName(String(d.sessionId ?? '')), d.block, label(DECISIONS, d.decision)]), 'Aucune décision.'),
      ),
    );
  };
  await load();
  return root;
}

function enrolForm(ctx: ScreenContext, id: string, sessions: any[], version: string | undefined, reload: () => Promise<void>): HTMLElement {
  const sessionSelect = select('sessionId', [['', 'Choisir une session'], ...sessions.map((s) => [s.id, `${s.title} (${day(s.startsOn)})`] as [string, string])], { required: true });
  const blocks = h('fieldset', { class: 'blocs' }, h('legend', {}, 'Blocs'), h('p', { class: 'muted' }, 'Choisissez d’abord la session.'));
  sessionSelect.addEventListener('change', () => {
    const session = sessions.find((s) => s.id === sessionSelect.value);
    clear(blocks);
    blocks.append(h('legend', {}, 'Blocs'));
    if (!session) return;
    ctx.api
      .get<any>(`/v1/referentials/${session.referentialId}`)
      .then(({ body }) => {
        for (const b of body.blocks as any[]) {
          const box = h('input', { type: 'checkbox', name: 'blocks', value: b.code, id: uid('bloc') });
          blocks.append(h('div', { class: 'check' }, box, h('label', { for: box.id }, `${b.code} — ${b.title}`)));
        }
      })
      .catch((e) => ctx.notify(String(e?.message ?? e), 'error'));
  });
  const alert = alertRegion();
  const form = h(
    'form',
    { 'aria-label': 'Inscrire à une session' },
    field('Session', sessionSelect),
    blocks,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Inscrire à la session')),
    alert,
  ) as HTMLFormElement;
  onSubmit(form, alert, async () => {
    const chosen = Array.from(form.querySelectorAll<HTMLInputElement>('input[name="blocks"]:checked')).map((b) => b.value);
    if (!chosen.length) throw new Error('Cochez au moins un bloc.');
    await ctx.api.post(`/v1/candidates/${id}/enrolments`, { sessionId: valueOf(form, 'sessionId'), blocks: chosen }, { ifMatch: version });
    ctx.notify('Candidat inscrit à la session.', 'info');
    await reload();
  });
  return form;
}

function accommodationCard(ctx: ScreenContext, id: string, r: any, version: string | undefined, reload: () => Promise<void>): HTMLElement {
  const opinion = r.opinion
    ? `${r.opinion.favourable ? 'Favorable' : 'Défavorable'} — ${r.opinion.motivation} (${r.opinion.by ?? '?'}, ${dateTime(r.opinion.at)})`
    : 'En attente de l’avis du référent handicap';
  const card = h(
    'article',
    { class: 'amenagement', 'aria-label': `Demande ${r.requestId.slice(0, 8)}` },
    h('h3', {}, `Demande ${r.requestId.slice(0, 8)} — ${label(ACCOMMODATION_STATUSES, r.status)}`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Aménagements'),
      h('dd', {}, (r.accommodations as any[]).map((a) => label(ACCOMMODATION_TYPES, a.type) + (a.extraTimePercent ? ` (${a.extraTimePercent} %)` : '') + (a.details ? ` : ${a.details}` : '')).join(' ; ')),
      h('dt', {}, 'Justification'),
      h('dd', {}, r.justification),
      h('dt', {}, 'Avis du référent'),
      h('dd', { class: 'avis' }, opinion),
      h('dt', {}, 'Décision'),
      h('dd', { class: 'decision-amenagement' }, r.decision ? `${r.decision.granted ? 'Accordé' : 'Refusé'} — ${r.decision.reason}` : 'à prendre'),
    ),
  );
  if (!r.decision) card.append(decisionForm(ctx, id, r.requestId, version, reload));
  return card;
}

function decisionForm(ctx: ScreenContext, id: string, requestId: string, version: string | undefined, reload: () => Promise<void>): HTMLElement {
  const name = uid('accorde');
  const yes = h('input', { type: 'radio', name, value: 'true', id: `${name}-oui`, required: true });
  const no = h('input', { type: 'radio', name, value: 'false', id: `${name}-non` });
  const alert = alertRegion();
  const form = h(
    'form',
    { 'aria-label': `Décider la demande ${requestId.slice(0, 8)}` },
    h('fieldset', {}, h('legend', {}, 'Décision'), h('div', { class: 'check' }, yes, h('label', { for: yes.id }, 'Accorder')), h('div', { class: 'check' }, no, h('label', { for: no.id }, 'Refuser'))),
    field('Motif de la décision', textarea('reason', { required: true, maxlength: '2000' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Enregistrer la décision')),
    alert,
  ) as HTMLFormElement;
  onSubmit(form, alert, async () => {
    const granted = form.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)?.value === 'true';
    await ctx.api.post(`/v1/candidates/${id}/accommodations/${requestId}/decision`, { granted, reason: valueOf(form, 'reason') }, { ifMatch: version });
    ctx.notify(granted ? 'Aménagement accordé.' : 'Aménagement refusé.', 'info');
    await reload();
  });
  return form;
}

function requestForm(ctx: ScreenContext, id: string, version: string | undefined, reload: () => Promise<void>): HTMLElement {
  const alert = alertRegion();
  const form = h(
    'form',
    { 'aria-label': 'Demander un aménagement' },
    h('h3', {}, 'Nouvelle demande'),
    field('Type d’aménagement', select('type', ACCOMMODATION_TYPES)),
    field('Temps majoré (%)', input('extraTimePercent', { type: 'number', min: '1', max: '200' }), 'Pour un temps majoré ; au-delà de 33 %, un avis favorable du référent est requis.'),
    field('Précisions', textarea('details', { maxlength: '2000' }), 'Obligatoire pour « Autre ».'),
    field('Justification', textarea('justification', { required: true, maxlength: '2000' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Enregistrer la demande')),
    alert,
  ) as HTMLFormElement;
  onSubmit(form, alert, async () => {
    const type = valueOf(form, 'type');
    const accommodation: Record<string, unknown> = { type };
    const percent = valueOf(form, 'extraTimePercent');
    if (type === 'extra-time' && percent) accommodation.extraTimePercent = Number(percent);
    const details = valueOf(form, 'details');
    if (details) accommodation.details = details;
    await ctx.api.post(`/v1/candidates/${id}/accommodations`, { accommodations: [accommodation], justification: valueOf(form, 'justification') }, { ifMatch: version, idempotencyKey: idempotencyKey() });
    ctx.notify('Demande enregistrée ; elle attend l’avis du référent handicap.', 'info');
    await reload();
  });
  return form;
}
