import { h } from '../../dom.js';
import type { ScreenContext } from '../../router.js';
import { frenchDate, STATUS_LABELS, type JuryListItem, type Page, type SessionItem } from './model.js';

/** Every page of a list (lists page by `next` cursor, 200 at most per page). */
async function all<T>(ctx: ScreenContext, path: string): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const { body }: { body: Page<T> } = await ctx.api.get<Page<T>>(`${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...body.items);
    cursor = body.next;
  } while (cursor);
  return out;
}

/** The juries the user sits on, with their session and where each deliberation stands. */
export async function juriesScreen(ctx: ScreenContext): Promise<Node> {
  const [juries, sessions] = await Promise.all([all<JuryListItem>(ctx, '/v1/juries'), all<SessionItem>(ctx, '/v1/sessions')]);
  const sessionOf = new Map(sessions.map((s) => [s.id, s]));
  const rows = juries.map((jury) => {
    const session = sessionOf.get(jury.sessionId);
    const me = jury.members.find((m) => m.userId === ctx.user.sub);
    return h(
      'tr',
      null,
      h('td', null, h('a', { href: `#/juries/${encodeURIComponent(jury.id)}` }, session?.title ?? jury.sessionId), jury.revises ? h('div', { class: 'muted' }, 'Jury de révision') : null),
      h('td', null, session ? `${frenchDate(session.startsOn)} – ${frenchDate(session.endsOn)}` : '—'),
      h('td', null, STATUS_LABELS[jury.status] ?? jury.status),
      h('td', null, me ? (me.president ? 'Président·e' : 'Membre') : '—'),
      h('td', { class: 'num' }, String(session?.candidates ?? '—')),
      h('td', { class: 'num' }, `${jury.decisions.total} (${jury.decisions.validated} validés, ${jury.decisions.notValidated} non validés, ${jury.decisions.deferred} différés)`),
    );
  });
  return h(
    'section',
    null,
    h('h1', null, 'Mes jurys'),
    juries.length === 0
      ? h('p', null, 'Vous ne siégez dans aucun jury pour le moment.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            null,
            h('caption', { class: 'muted' }, `${juries.length} jury(s) où vous siégez`),
            h('thead', null, h('tr', null, ['Session', 'Dates', 'État', 'Votre rôle', 'Candidats', 'Décisions'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', null, rows),
          ),
        ),
  );
}
