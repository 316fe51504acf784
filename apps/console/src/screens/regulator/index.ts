import { clear, h } from '../../dom.js';
import type { Route, ScreenContext } from '../../router.js';
import {
  alertRegion,
  DECISIONS,
  dateTime,
  day,
  field,
  heading,
  identityLine,
  input,
  isoToLocal,
  JURY_STATUSES,
  label,
  link,
  localToIso,
  pagedList,
  pager,
  progressCounter,
  PROPOSALS,
  qs,
  section,
  showError,
  table,
  wrapping,
} from '../back-office/widgets.js';

/**
 * The regulator's screens: read-only, pseudonymised as the API serves them
 * (the API decides what a regulator may see; these screens show what it
 * answered and nothing more). Time travel re-asks the API with `?asOf=`:
 * progress and records are folded from the log up to that instant, so what
 * is shown is what a reader would have seen then.
 */

const PAGE = 50;

/** Event types a regulator filters the timeline by, with their French names. */
export const EVENT_TYPES: Array<[string, string]> = [
  ['CandidateRegistered', 'Inscription'],
  ['CandidateEnrolled', 'Inscription à une session'],
  ['AccommodationRequested', "Demande d'aménagement"],
  ['ReferentOpinionGiven', 'Avis du référent handicap'],
  ['AccommodationGranted', 'Aménagement accordé'],
  ['AccommodationRefused', 'Aménagement refusé'],
  ['AccommodationApplied', 'Aménagement appliqué'],
  ['CriterionScored', 'Critère évalué'],
  ['CriterionScoreCorrected', 'Évaluation corrigée'],
  ['NeutralisationRecommended', 'Neutralisation recommandée'],
  ['CriterionNeutralised', 'Critère neutralisé'],
  ['BlockDecided', 'Bloc délibéré'],
  ['BlockDecisionRecorded', 'Décision reportée au dossier'],
  ['CertificationAwarded', 'Certification délivrée'],
  ['CertificationWithdrawn', 'Certification retirée'],
  ['AppealLodged', 'Recours déposé'],
  ['MemberRecused', 'Déport d’un membre'],
  ['CandidatePersonalDataErased', 'Données personnelles effacées'],
];

async function sessionsScreen(ctx: ScreenContext, _params: Record<string, string>, query: URLSearchParams): Promise<Node> {
  const root = h('div', { class: 'ecran' }, heading('Sessions d’examen'));
  const list = h('div', {});
  root.append(list);
  const show = pagedList<any>(ctx, list, (cursor) => `/v1/sessions${qs({ limit: PAGE, cursor })}`, (items) => {
    return [
      table(
        'Sessions',
        ['Session', 'Certification', 'Dates', 'Candidats', 'Jurys'],
        items.map((s) => [
          link(`/regulateur/sessions/${s.id}`, s.title),
          s.certificationCode,
          `du ${day(s.startsOn)} au ${day(s.endsOn)}`,
          String(s.candidates),
          s.juries > 0 ? link(`/regulateur/jurys${qs({ sessionId: s.id })}`, `${s.juries} jury${s.juries > 1 ? 's' : ''}`) : 'aucun',
        ]),
        'Aucune session.',
      ),
    ];
  });
  await show(query.get('cursor'));
  return root;
}

/** One session as a regulator sees it: the deliberation sheet under pseudonyms, each candidate a way into their timeline. */
async function sessionScreen(ctx: ScreenContext, params: Record<string, string>): Promise<Node> {
  const { body: session } = await ctx.api.get<any>(`/v1/sessions/${params.id}`);
  const root = h('div', { class: 'ecran' }, heading(session.title), h('p', {}, `Du ${day(session.startsOn)} au ${day(session.endsOn)} — `, link(`/regulateur/jurys${qs({ sessionId: params.id })}`, 'jurys de la session')));
  const sheet = h('div', {});
  root.append(section('Feuille de délibération', sheet));
  const show = pagedList<any>(ctx, sheet, (cursor) => `/v1/sessions/${params.id}/candidates${qs({ limit: PAGE, cursor })}`, (items) => {
    const blocks = items.flatMap((c) => c.blocks as any[]);
    return [
      progressCounter('Blocs délibérés sur cette page', blocks.filter((b) => b.decision).length, blocks.length),
      table(
        'Candidats de la session',
        ['Candidat', 'Blocs', 'Certifié'],
        items.map((c) => [
          link(`/regulateur/candidats/${c.candidateId}`, identityLine(c.identity)),
          (c.blocks as any[]).map((b) => `${b.code} : ${label(DECISIONS, b.decision, label(PROPOSALS, b.proposal))}`).join(' · '),
          c.certified ? 'oui' : 'non',
        ]),
        'Aucun candidat inscrit.',
      ),
    ];
  });
  await show(null);
  return root;
}

async function juriesScreen(ctx: ScreenContext, _params: Record<string, string>, query: URLSearchParams): Promise<Node> {
  const sessionId = query.get('sessionId');
  const root = h('div', { class: 'ecran' }, heading(sessionId ? 'Jurys de la session' : 'Jurys'));
  const list = h('div', {});
  root.append(list);
  const show = pagedList<any>(ctx, list, (cursor) => `/v1/juries${qs({ sessionId, limit: PAGE, cursor })}`, (items) => {
    return [
      table(
        'Jurys',
        ['Jury', 'Statut', 'Président', 'Membres', 'Décisions en vigueur', 'Révision'],
        items.map((j) => [
          link(`/regulateur/jurys/${j.id}`, `Procès-verbal ${String(j.id).slice(0, 8)}`),
          label(JURY_STATUSES, j.status),
          (j.members as any[]).find((m) => m.president)?.name ?? '—',
          (j.members as any[]).map((m) => m.name + (m.professional ? ' (professionnel)' : '')).join(', '),
          `${j.decisions.total} (${j.decisions.validated} validés, ${j.decisions.notValidated} non validés, ${j.decisions.deferred} différés)`,
          j.revises ? `révise ${String(j.revises.juryId).slice(0, 8)}` : 'non',
        ]),
        'Aucun jury.',
      ),
    ];
  });
  await show(query.get('cursor'));
  return root;
}

/**
 * The date-time picker of time travel. The chosen instant goes to the API
 * as UTC (`asOf`); "Maintenant" drops it. `onChange` re-renders the part of
 * the screen the instant applies to, and the address keeps the instant so
 * the view can be bookmarked and reloaded.
 */
function timeTravel(ctx: ScreenContext, path: string, asOf: string | null, onChange: (asOf: string | null) => Promise<void>): HTMLElement {
  const picker = input('asOf', { type: 'datetime-local', step: '1', value: asOf ? isoToLocal(asOf) : '' });
  const alert = alertRegion();
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Voyage dans le temps' },
    field('Afficher tel qu’à la date du', picker, 'Heure de ce poste ; vide : l’état actuel.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Afficher à cette date'), h('button', { type: 'button', onClick: () => go(null) }, 'Maintenant')),
    alert,
  ) as HTMLFormElement;
  const go = (at: string | null) => {
    history.replaceState(null, '', `#${path}${qs({ asOf: at })}`);
    if (!at) picker.value = '';
    alert.textContent = '';
    onChange(at).catch((error) => showError(form, alert, error));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const at = localToIso(picker.value);
    if (picker.value && !at) {
      alert.textContent = 'Date invalide.';
      return;
    }
    go(at);
  });
  void ctx;
  return form;
}

function asOfBanner(asOf: string | null): HTMLElement {
  return h('p', { role: 'note' }, h('span', { class: asOf ? 'tag wait' : 'tag none' }, asOf ? `État au ${dateTime(asOf)}` : 'État actuel'));
}

async function candidateScreen(ctx: ScreenContext, params: Record<string, string>, query: URLSearchParams): Promise<Node> {
  const id = params.id;
  const path = `/regulateur/candidats/${id}`;
  const root = h('div', { class: 'ecran' }, heading('Dossier du candidat'));
  const progress = h('div', { 'aria-live': 'polite' });
  const renderProgress = async (asOf: string | null) => {
    const { body } = await ctx.api.get<any>(`/v1/candidates/${id}/progress${qs({ asOf })}`);
    clear(progress);
    progress.append(
      asOfBanner(asOf),
      h('p', { class: 'certifie' }, body.certified ? 'Certification délivrée' : 'Certification non délivrée'),
      table(
        'Progression par bloc',
        ['Bloc', 'Proposition', 'Décision du jury', 'Critères évalués', 'Acquis', 'Neutralisés'],
        (body.blocks as any[]).map((b) => [
          b.code,
          label(PROPOSALS, b.proposal),
          label(DECISIONS, b.decision, 'non délibéré'),
          `${b.criteria.scored} / ${b.criteria.total - b.criteria.neutralised}`,
          String(b.criteria.acquired),
          String(b.criteria.neutralised),
        ]),
        'Aucun bloc à cette date.',
      ),
    );
  };
  const asOf = query.get('asOf');
  root.append(section('Progression', timeTravel(ctx, path, asOf, renderProgress), progress));
  root.append(section('Historique des décisions', timeline(ctx, id)));
  await renderProgress(asOf);
  return root;
}

/**
 * The candidate's timeline: the log's own entries for them, filtered by
 * type and dates as the history route allows, paged by position (`after`).
 */
function timeline(ctx: ScreenContext, id: string): HTMLElement {
  const types = h('select', { name: 'type', multiple: true, size: '6' }, EVENT_TYPES.map(([value, text]) => h('option', { value }, text))) as HTMLSelectElement;
  const from = input('from', { type: 'datetime-local', step: '1' });
  const to = input('to', { type: 'datetime-local', step: '1' });
  const alert = alertRegion();
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filtrer l’historique' },
    field('Types d’évènement', types, 'Aucun choisi : tous. Ctrl ou Maj pour en choisir plusieurs.'),
    field('Depuis le', from),
    field('Jusqu’au', to),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Filtrer')),
    alert,
  ) as HTMLFormElement;
  const entries = h('div', { 'aria-live': 'polite' });
  const show = async (after: number | null, shownBefore: number) => {
    const filter = {
      type: Array.from(types.selectedOptions).map((o) => o.value).join(','),
      from: localToIso(from.value),
      to: localToIso(to.value),
    };
    // One more than a page tells whether the history goes on.
    const { body } = await ctx.api.get<any[]>(`/v1/candidates/${id}/history${qs({ ...filter, after, limit: PAGE + 1 })}`);
    const page = body.slice(0, PAGE);
    const more = body.length > PAGE;
    clear(entries);
    entries.append(
      table(
        'Évènements du dossier',
        ['Position', 'Date', 'Évènement', 'Par', 'Détail'],
        page.map((e) => [String(e.position), dateTime(e.recordedAt), label(EVENT_TYPES, e.type), `${e.actor.id} (${e.actor.role})`, wrapping(h('code', {}, summary(e.data)))]),
        'Aucun évènement pour ces filtres.',
      ),
      pager(shownBefore, page.length, more ? String(page[page.length - 1].position) : null, (c, n) => void show(c === null ? null : Number(c), n).catch((error) => showError(form, alert, error))),
    );
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    alert.textContent = '';
    show(null, 0).catch((error) => showError(form, alert, error));
  });
  show(null, 0).catch((error) => showError(form, alert, error));
  return h('div', {}, form, entries);
}

/** An event's data in one line, ids shortened: the full JSON is in the export. */
function summary(data: unknown): string {
  const text = JSON.stringify(data, (_key, value) => (typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f-]{27}$/.test(value) ? value.slice(0, 8) : value));
  return text.length > 240 ? `${text.slice(0, 239)}…` : text;
}

async function juryScreen(ctx: ScreenContext, params: Record<string, string>, query: URLSearchParams): Promise<Node> {
  const id = params.id;
  const path = `/regulateur/jurys/${id}`;
  const root = h('div', { class: 'ecran' }, heading('Procès-verbal de délibération'));
  const record = h('div', { 'aria-live': 'polite' });
  const renderRecord = async (asOf: string | null) => {
    let body: any;
    try {
      ({ body } = await ctx.api.get<any>(`/v1/juries/${id}/record${qs({ asOf })}`));
    } catch (error: any) {
      // Before the jury was convened the record did not exist: say so instead of failing.
      if (asOf && error?.status === 404) {
        clear(record);
        record.append(asOfBanner(asOf), h('p', {}, 'Le jury n’était pas encore convoqué à cette date.'));
        return;
      }
      throw error;
    }
    const rows = (body.candidates as any[]).flatMap((c) =>
      (c.blocks as any[]).map((b) => [
        c.pseudonym ?? c.candidateId.slice(0, 8),
        b.block,
        label(PROPOSALS, b.proposal),
        label(DECISIONS, b.decision, 'non délibéré'),
        b.motivation ?? '—',
        (b.neutralised as any[]).map((n) => n.criterion).join(', ') || '—',
      ]),
    );
    const decided = rows.filter((r) => r[3] !== 'non délibéré').length;
    clear(record);
    record.append(
      asOfBanner(asOf),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Session'),
        h('dd', {}, `${body.session.title} (du ${day(body.session.startsOn)} au ${day(body.session.endsOn)})`),
        h('dt', {}, 'Certification'),
        h('dd', {}, `${body.certification.code} — ${body.certification.title}`),
        h('dt', {}, 'Statut'),
        h('dd', { class: 'statut-jury' }, label(JURY_STATUSES, body.status)),
        h('dt', {}, 'Membres'),
        h('dd', {}, (body.members as any[]).map((m) => `${m.name}${m.president ? ' (président)' : ''}${m.professional ? ' (professionnel)' : ''}`).join(', ')),
        h('dt', {}, 'Sceau'),
        h('dd', {}, body.sealHash ? wrapping(h('code', {}, body.sealHash)) : 'non scellé'),
      ),
      progressCounter('Blocs délibérés', decided, rows.length),
      table('Décisions par candidat et par bloc', ['Candidat (pseudonyme)', 'Bloc', 'Proposition', 'Décision', 'Motivation', 'Critères neutralisés'], rows, 'Aucun candidat.'),
      h('button', { type: 'button', onClick: () => void ctx.api.download(`/v1/juries/${id}/record.pdf${qs({ asOf })}`, `proces-verbal-${id.slice(0, 8)}.pdf`).catch((e) => ctx.notify(String(e), 'error')) }, 'Télécharger le PDF'),
    );
  };
  const asOf = query.get('asOf');
  root.append(timeTravel(ctx, path, asOf, renderRecord), record);
  await renderRecord(asOf);
  return root;
}

async function ledgerScreen(ctx: ScreenContext): Promise<Node> {
  const [{ body: status }, latest] = await Promise.all([
    ctx.api.get<any>('/v1/audit/status'),
    ctx.api.get<any>('/v1/audit/checkpoints/latest').then((a) => a.body, () => null),
  ]);
  const verification = h('div', { 'aria-live': 'polite' });
  const verify = async () => {
    clear(verification);
    verification.append(h('p', {}, 'Vérification en cours…'));
    const { body } = await ctx.api.get<any>('/v1/audit/verify');
    clear(verification);
    verification.append(
      h(
        'p',
        { class: body.ok ? 'notice ok' : 'notice error' },
        body.ok
          ? `Intègre : ${body.verifiedUpTo} évènements et ${body.checkpoints} points de contrôle signés vérifiés.`
          : `Altération détectée à la séquence ${body.firstBadSeq ?? '?'} (position ${body.firstBadPosition ?? '?'}) : ${body.reason ?? ''}`,
      ),
    );
  };
  const filename = `registre-${new Date().toISOString().slice(0, 10)}.ndjson`;
  return h(
    'div',
    { class: 'ecran' },
    heading('Registre d’audit'),
    section(
      'État du registre',
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Évènements scellés'),
        h('dd', {}, String(status.sealedSeq)),
        h('dt', {}, 'En attente de scellement'),
        h('dd', {}, String(status.unsealedEvents)),
        h('dt', {}, 'Dernier point de contrôle'),
        h('dd', {}, status.lastCheckpoint ? `taille ${status.lastCheckpoint.size}, signé le ${dateTime(status.lastCheckpoint.time)}` : 'aucun'),
        h('dt', {}, 'Empreinte de la clé'),
        h('dd', {}, latest ? h('code', {}, latest.keyFingerprint) : '—'),
        h('dt', {}, 'Tête de chaîne'),
        h('dd', {}, latest ? wrapping(h('code', {}, latest.head)) : '—'),
        h('dt', {}, 'Scellement'),
        h('dd', {}, status.halted ? `arrêté : ${status.halted}` : 'en service'),
      ),
      h('button', { type: 'button', onClick: () => void verify().catch((e) => { clear(verification); verification.append(h('p', { class: 'notice error', role: 'alert' }, String(e?.message ?? e))); }) }, 'Vérifier le registre stocké'),
      verification,
    ),
    section(
      'Export et vérification hors ligne',
      h('p', {}, 'L’export contient tous les évènements, les points de contrôle signés et la clé publique. Il se vérifie sans base de données ni réseau.'),
      h('button', { type: 'button', class: 'export', onClick: () => void ctx.api.download('/v1/audit/export', filename).catch((e) => ctx.notify(String(e?.message ?? e), 'error')) }, 'Exporter le registre'),
      h('p', {}, 'Puis, dans une copie du dépôt (ou avec les fichiers de libs/proof/src) :'),
      h('pre', { class: 'commande' }, h('code', {}, `npm run -s verify -- ${filename}`)),
      h('p', { class: 'muted' }, 'Code de sortie 0 et un résumé si l’export est intact ; sinon la première séquence altérée. Ajoutez --key avec la clé publique obtenue par un canal de confiance.'),
    ),
  );
}

export const routes: Route[] = [
  { path: '/regulateur/sessions', title: 'Sessions', roles: ['regulator'], nav: 'Sessions', render: sessionsScreen },
  { path: '/regulateur/sessions/:id', title: 'Session', roles: ['regulator'], render: sessionScreen },
  { path: '/regulateur/jurys', title: 'Jurys', roles: ['regulator'], nav: 'Jurys', render: juriesScreen },
  { path: '/regulateur/jurys/:id', title: 'Procès-verbal', roles: ['regulator'], render: juryScreen },
  { path: '/regulateur/candidats/:id', title: 'Dossier du candidat', roles: ['regulator'], render: candidateScreen },
  { path: '/regulateur/registre', title: 'Registre d’audit', roles: ['regulator'], nav: 'Registre d’audit', render: ledgerScreen },
];
