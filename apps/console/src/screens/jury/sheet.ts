import { clear, h } from '../../dom.js';
import { href, type ScreenContext } from '../../router.js';
import { commandFailure, JuryCommands } from './commands.js';
import {
  ACCOMMODATION_LABELS,
  decisionTag,
  DECISION_LABELS,
  isMember,
  isPresident,
  progressBar,
  proposalTag,
  PROPOSAL_LABELS,
  sheetName,
  STATUS_LABELS,
  frenchDate,
  type JuryRecord,
  type Page,
  type SheetItem,
} from './model.js';

const PAGE_SIZE = 50;

/**
 * The deliberation sheet of a jury: where the deliberation stands (counters
 * and bars over every candidate, from the record), the candidates × blocks
 * page by page (the session's sheet, filtered by block, proposal or
 * decision), and the president's commands for the deliberation as a whole.
 */
export async function sheetScreen(ctx: ScreenContext, params: Record<string, string>, query: URLSearchParams): Promise<Node> {
  const juryId = params.id;
  const { body: record, etag } = await ctx.api.get<JuryRecord>(`/v1/juries/${encodeURIComponent(juryId)}/record`);
  const commands = JuryCommands.fromEtag(ctx.api, juryId, etag);
  const filter = { block: query.get('block') ?? '', proposal: query.get('proposal') ?? '', decision: query.get('decision') ?? '' };
  const sheetQuery = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [k, v] of Object.entries(filter)) if (v) sheetQuery.set(k, v);
  const cursor = query.get('cursor');
  if (cursor) sheetQuery.set('cursor', cursor);
  const { body: page } = await ctx.api.get<Page<SheetItem>>(`/v1/sessions/${encodeURIComponent(record.session.sessionId)}/candidates?${sheetQuery}`);

  const blocks = blockCodes(record);
  const president = isPresident(record, ctx.user.sub);
  const here = `/juries/${juryId}`;
  const reload = () => ctx.navigate(`${here}${location.hash.includes('?') ? location.hash.slice(location.hash.indexOf('?')) : ''}`);
  const feedback = h('div', { class: 'feedback', 'aria-live': 'polite' });

  const run = async (button: HTMLButtonElement, action: string, body: unknown, done: string) => {
    button.disabled = true;
    clear(feedback);
    try {
      await commands.send(action, body);
      ctx.notify(done);
      reload();
    } catch (error) {
      feedback.appendChild(commandFailure(ctx, error, reload));
      button.disabled = false;
    }
  };

  return h(
    'section',
    { class: 'sheet' },
    h('h1', null, `Délibération — ${record.session.title ?? 'session'}`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Certification'),
      h('dd', null, [record.certification.code, record.certification.title].filter(Boolean).join(' — ') || '—'),
      h('dt', null, 'Session'),
      h('dd', null, `du ${frenchDate(record.session.startsOn)} au ${frenchDate(record.session.endsOn)}`),
      h('dt', null, 'État'),
      h('dd', null, h('strong', { id: 'jury-status' }, STATUS_LABELS[record.status] ?? record.status)),
      h('dt', null, 'Jury'),
      h('dd', null, record.members.map((m) => `${m.name}${m.president ? ' (président·e)' : ''}${m.professional ? ' (professionnel·le)' : ''}`).join(', ')),
    ),
    actions(ctx, record, president, run, juryId),
    feedback,
    counters(record),
    filters(ctx, here, blocks, filter),
    table(record, page, blocks, juryId),
    pager(here, filter, cursor, page.next, page.items.length),
  );
}

function blockCodes(record: JuryRecord): string[] {
  const codes: string[] = [];
  for (const c of record.candidates) for (const b of c.blocks) if (!codes.includes(b.block)) codes.push(b.block);
  return codes;
}

function counters(record: JuryRecord): HTMLElement {
  const blocks = record.candidates.flatMap((c) => c.blocks);
  const decided = blocks.filter((b) => b.decision !== null && b.decision !== 'deferred').length;
  const count = (d: string) => blocks.filter((b) => b.decision === d).length;
  const allDecided = record.candidates.filter((c) => c.blocks.length > 0 && c.blocks.every((b) => b.decision !== null && b.decision !== 'deferred')).length;
  return h(
    'div',
    { class: 'counters', role: 'group', 'aria-label': 'Avancement de la délibération' },
    progressBar('progress-blocks', 'Blocs décidés', decided, blocks.length),
    progressBar('progress-candidates', 'Candidats entièrement décidés', allDecided, record.candidates.length),
    h('div', { class: 'counter' }, h('div', null, 'Validés'), h('div', { class: 'value' }, String(count('validated')))),
    h('div', { class: 'counter' }, h('div', null, 'Non validés'), h('div', { class: 'value' }, String(count('not-validated')))),
    h('div', { class: 'counter' }, h('div', null, 'Différés'), h('div', { class: 'value' }, String(count('deferred')))),
  );
}

type Run = (button: HTMLButtonElement, action: string, body: unknown, done: string) => Promise<void>;

function actions(ctx: ScreenContext, record: JuryRecord, president: boolean, run: Run, juryId: string): HTMLElement {
  const bar = h('div', { class: 'actions' });
  if (president && record.status === 'convened') {
    const open: HTMLButtonElement = h('button', { type: 'button', class: 'primary', onClick: () => run(open, 'open', {}, 'Délibération ouverte.') }, 'Ouvrir la délibération') as HTMLButtonElement;
    bar.appendChild(open);
  }
  if (president && record.status === 'open') bar.appendChild(closeButton(record, run));
  if (record.status === 'closed') {
    bar.appendChild(
      h('button', { type: 'button', class: 'primary', onClick: () => ctx.api.download(`/v1/juries/${encodeURIComponent(juryId)}/record.pdf`, `proces-verbal-${juryId}.pdf`).catch((e) => ctx.notify(String(e), 'error')) }, 'Télécharger le procès-verbal (PDF)'),
    );
    const approved = record.approvals.some((a) => a.memberId === ctx.user.sub);
    if (isMember(record, ctx.user.sub) && !approved) {
      const approve: HTMLButtonElement = h('button', { type: 'button', onClick: () => run(approve, 'approvals', { sealHash: record.sealHash }, 'Procès-verbal approuvé.') }, 'Approuver le procès-verbal') as HTMLButtonElement;
      bar.appendChild(approve);
    }
    bar.appendChild(h('p', { class: 'muted' }, approved ? 'Vous avez approuvé le procès-verbal. ' : '', `Sceau : ${record.sealHash?.slice(0, 16) ?? '—'}… — ${record.approvals.length} approbation(s)${record.final ? ', procès-verbal définitif' : ''}.`));
  }
  return bar;
}

/** Closing seals the record for good: the president confirms in a dialog that says so and how many blocks stay undecided. */
function closeButton(record: JuryRecord, run: Run): HTMLElement {
  const undecided = record.candidates.flatMap((c) => c.blocks).filter((b) => b.decision === null || b.decision === 'deferred').length;
  const confirm = h('button', { type: 'button', class: 'danger primary' }, 'Clore et sceller') as HTMLButtonElement;
  const dialog = h(
    'dialog',
    { 'aria-labelledby': 'close-title', 'aria-describedby': 'close-text' },
    h('h2', { id: 'close-title' }, 'Clore la délibération ?'),
    h('p', { id: 'close-text' }, 'La délibération sera close et le procès-verbal scellé : plus aucune décision ne pourra y être modifiée.', undecided ? ` ${undecided} bloc(s) restent à décider ou différés.` : ''),
    h('div', { class: 'actions' }, confirm, h('button', { type: 'button', onClick: () => dialog.close() }, 'Annuler')),
  ) as HTMLDialogElement;
  confirm.addEventListener('click', () => {
    dialog.close();
    void run(opener, 'close', {}, 'Délibération close et procès-verbal scellé.');
  });
  const opener = h('button', { type: 'button', class: 'danger', onClick: () => dialog.showModal() }, 'Clore la délibération…') as HTMLButtonElement;
  return h('span', null, opener, dialog);
}

function filters(ctx: ScreenContext, here: string, blocks: string[], current: Record<string, string>): HTMLElement {
  const select = (id: string, label: string, options: Array<[string, string]>, value: string) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), h('select', { id, name: id.replace('filter-', '') }, h('option', { value: '' }, 'Tous'), options.map(([v, t]) => h('option', { value: v, selected: v === value }, t))));
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      'aria-label': 'Filtrer la feuille',
      onSubmit: (e: Event) => {
        e.preventDefault();
        const data = new FormData(form as HTMLFormElement);
        ctx.navigate(href(here, { block: String(data.get('block') ?? ''), proposal: String(data.get('proposal') ?? ''), decision: String(data.get('decision') ?? '') }).slice(1));
      },
    },
    select('filter-block', 'Bloc', blocks.map((b) => [b, b]), current.block),
    select('filter-proposal', 'Proposition', Object.entries(PROPOSAL_LABELS), current.proposal),
    select('filter-decision', 'Décision', [...Object.entries(DECISION_LABELS), ['none', 'À décider']], current.decision),
    h('button', { type: 'submit' }, 'Filtrer'),
  );
  return form;
}

function table(record: JuryRecord, page: Page<SheetItem>, blocks: string[], juryId: string): HTMLElement {
  const recorded = new Map(record.candidates.map((c) => [c.candidateId, c]));
  if (page.items.length === 0) return h('p', { class: 'notice' }, 'Aucun candidat ne correspond à ces filtres.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'deliberation' },
      h('caption', { class: 'muted' }, 'Candidats × blocs : proposition, décision et critères évalués (acquis / évalués / total, neutralisés)'),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Candidat'), blocks.map((b) => h('th', { scope: 'col' }, b)), h('th', { scope: 'col' }, 'Aménagements'), h('th', { scope: 'col' }, 'Avis en attente'))),
      h(
        'tbody',
        null,
        page.items.map((item) => {
          const rec = recorded.get(item.candidateId);
          return h(
            'tr',
            null,
            h('th', { scope: 'row' }, h('a', { href: `#/juries/${encodeURIComponent(juryId)}/candidates/${encodeURIComponent(item.candidateId)}` }, sheetName(item.identity)), item.certified ? h('div', null, h('span', { class: 'tag ok' }, 'Certifié')) : null),
            blocks.map((code) => {
              const b = item.blocks.find((x) => x.code === code);
              if (!b) return h('td', { class: 'muted' }, '—');
              const decision = rec?.blocks.find((x) => x.block === code)?.decision ?? b.decision;
              const n = item.neutralisations.filter((x) => x.block === code).length;
              return h(
                'td',
                null,
                h('div', { class: 'tags' }, proposalTag(b.proposal), decisionTag(decision)),
                h('div', { class: 'muted' }, `${b.criteria.acquired} / ${b.criteria.scored} / ${b.criteria.total}${n ? `, ${n} neutralisé(s)` : ''}`),
              );
            }),
            h('td', null, item.accommodations.length ? item.accommodations.map((a) => ACCOMMODATION_LABELS[a] ?? a).join(', ') : '—'),
            h('td', { class: 'num' }, String(item.pendingOpinions)),
          );
        }),
      ),
    ),
  );
}

function pager(here: string, filter: Record<string, string>, cursor: string | null, next: string | null, shown: number): HTMLElement {
  return h(
    'nav',
    { class: 'actions', 'aria-label': 'Pages de la feuille' },
    cursor ? h('a', { class: 'button', href: href(here, filter) }, 'Première page') : null,
    next ? h('a', { class: 'button', href: href(here, { ...filter, cursor: next }) }, 'Page suivante') : null,
    h('span', { class: 'muted' }, `${shown} candidat(s) sur cette page`),
  );
}
