import { h } from '../../dom.js';
import type { ScreenContext } from '../../router.js';
import { alertRegion, day, field, heading, idempotencyKey, input, JURY_STATUSES, label, onSubmit, pagedList, qs, section, select, table, uid, valueOf } from './widgets.js';

const PAGE = 50;

/** Juries: the list (of a session when `?sessionId=`), and convening one with its members. */
export async function juriesScreen(ctx: ScreenContext, _params: Record<string, string>, query: URLSearchParams): Promise<Node> {
  const sessionId = query.get('sessionId');
  const { body: sessions } = await ctx.api.get<{ items: any[] }>(`/v1/sessions${qs({ limit: 200 })}`);
  const titles = new Map(sessions.items.map((s) => [s.id as string, s.title as string]));
  const list = h('div', {});
  const show = pagedList<any>(ctx, list, (cursor) => `/v1/juries${qs({ sessionId, limit: PAGE, cursor })}`, (items) => {
    return [
      table(
        'Jurys',
        ['Jury', 'Session', 'Statut', 'Président', 'Membres', 'Décisions'],
        items.map((j) => [
          String(j.id).slice(0, 8),
          titles.get(j.sessionId) ?? String(j.sessionId).slice(0, 8),
          label(JURY_STATUSES, j.status),
          (j.members as any[]).find((m) => m.president)?.name ?? '—',
          (j.members as any[]).map((m) => m.name + (m.professional ? ' (professionnel)' : '')).join(', '),
          String(j.decisions.total),
        ]),
        'Aucun jury.',
      ),
    ];
  });

  const sessionSelect = select('sessionId', sessions.items.map((s) => [s.id, `${s.title} (${day(s.startsOn)})`]), { required: true });
  if (sessionId) sessionSelect.value = sessionId;
  const members = h('div', { class: 'membres' });
  const presidentGroup = uid('president');
  const addMember = () => {
    const n = members.children.length + 1;
    const president = h('input', { type: 'radio', name: presidentGroup, value: String(n), id: uid('president'), required: true });
    const professional = h('input', { type: 'checkbox', name: 'professional', id: uid('professionnel') });
    const row = h(
      'fieldset',
      { class: 'membre' },
      h('legend', {}, `Membre ${n}`),
      field('Identifiant', input('userId', { required: true, maxlength: '200' })),
      field('Nom affiché', input('name', { required: true, maxlength: '200' })),
      h('div', { class: 'check' }, president, h('label', { for: president.id }, 'Président')),
      h('div', { class: 'check' }, professional, h('label', { for: professional.id }, 'Professionnel du métier')),
    );
    members.append(row);
  };
  addMember();
  addMember();
  const alert = alertRegion();
  const form = h(
    'form',
    { 'aria-label': 'Convoquer un jury' },
    field('Session', sessionSelect),
    members,
    h('div', { class: 'actions' }, h('button', { type: 'button', onClick: addMember }, 'Ajouter un membre'), h('button', { type: 'submit', class: 'primary' }, 'Convoquer le jury')),
    alert,
  ) as HTMLFormElement;
  onSubmit(form, alert, async () => {
    const rows = Array.from(members.querySelectorAll<HTMLElement>('fieldset.membre'));
    const body = {
      sessionId: sessionSelect.value,
      members: rows.map((row) => ({
        userId: valueOf(row, 'userId'),
        name: valueOf(row, 'name'),
        president: row.querySelector<HTMLInputElement>(`input[name="${presidentGroup}"]`)!.checked,
        professional: row.querySelector<HTMLInputElement>('input[name="professional"]')!.checked,
      })),
    };
    const { body: answer } = await ctx.api.post<any>('/v1/juries', body, { idempotencyKey: idempotencyKey() });
    // Emptied, so that a second click convenes nothing twice by mistake.
    form.reset();
    if (sessionId) sessionSelect.value = sessionId;
    await show(null);
    return `Jury convoqué (${String(answer.id).slice(0, 8)}).`;
  });

  await show(query.get('cursor'));
  return h('div', { class: 'ecran' }, heading('Jurys'), section('Jurys convoqués', list), section('Convoquer un jury', sessions.items.length ? form : h('p', {}, 'Aucune session ouverte.')));
}

const DECLARATION_STATUSES: Record<string, string> = {
  pending: 'à déclarer',
  declared: 'déclaré, compte rendu attendu',
  accepted: 'accepté par la CDC',
  rejected: 'rejeté par la CDC',
  'not-sealed': 'procès-verbal non scellé',
  'awaiting-approval': 'en attente de l’approbation du président',
};

/** Where each award stands in its declaration to the Caisse des Dépôts, with the days left of the three months. */
export async function cdcScreen(ctx: ScreenContext, _params: Record<string, string>, query: URLSearchParams): Promise<Node> {
  const list = h('div', { 'aria-live': 'polite' });
  const alert = alertRegion();
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Période' },
    field('Délivrées depuis le', input('from', { type: 'date', value: query.get('from') ?? '' })),
    field('Jusqu’au', input('to', { type: 'date', value: query.get('to') ?? '' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Afficher')),
    alert,
  ) as HTMLFormElement;
  const show = pagedList<any>(ctx, list, (cursor) => `/v1/exports/accrochage/status${qs({ from: valueOf(form, 'from'), to: valueOf(form, 'to'), cursor })}`, (items) => {
    const late = items.filter((i) => typeof i.daysLeft === 'number' && i.daysLeft < 0 && i.status !== 'accepted').length;
    return [
      h('p', { class: 'muted' }, `${items.length} certification${items.length > 1 ? 's' : ''} sur cette page, dont ${late} hors délai.`),
      table(
        'Déclarations à la CDC',
        ['Candidat', 'Certification', 'Délivrée le', 'Statut', 'Motif', 'Dernier envoi', 'Échéance', 'Jours restants', 'Retrait'],
        items.map((i) => [
          String(i.candidateId).slice(0, 8),
          i.certificationCode,
          day(i.awardedOn),
          label(DECLARATION_STATUSES, i.status),
          i.reason ?? '—',
          i.lastSentAt ? day(i.lastSentAt) : '—',
          day(i.deadline),
          i.daysLeft === null || i.daysLeft === undefined ? '—' : String(i.daysLeft),
          i.withdrawn ? (i.withdrawal ? label(DECLARATION_STATUSES, i.withdrawal.status) : 'retirée') : 'non',
        ]),
        'Aucune certification délivrée sur la période.',
      ),
    ];
  });
  onSubmit(form, alert, () => show(null));
  await show(null);
  return h('div', { class: 'ecran' }, heading('Déclarations CDC (accrochage)'), section('Suivi des déclarations', form, list));
}
