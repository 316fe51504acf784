import { ApiError } from '../../api.js';
import { clear, h } from '../../dom.js';
import { fieldErrors } from '../../errors.js';
import type { ScreenContext } from '../../router.js';
import { commandFailure, isStale, JuryCommands } from './commands.js';
import { ACCOMMODATION_LABELS, decisionTag, DECISION_LABELS, frenchDate, isPresident, proposalTag, STATUS_LABELS, type Decision, type JuryRecord, type RecordBlock } from './model.js';

interface CandidateFile {
  candidateId: string;
  scores: Array<{ sessionId: string; block: string; criterion: string; result: 'acquired' | 'not-acquired'; comment?: string }>;
  neutralisationOpinions: Array<{ opinionId: string; criteria: string[] }>;
  accommodationRequests: Array<{ requestId: string; status: string; accommodations: Array<{ type: string; extraTimePercent?: number }>; opinion: { favourable: boolean; by: string | null; at: string | null } | null }>;
}

interface Referential {
  blocks: Array<{ code: string; title: string; competences: Array<{ code: string; title: string; criteria: Array<{ code: string; text: string; core: boolean }> }> }>;
}

/** What the jury sees of a health text is that it exists: the API answers "[withheld]" in its place. */
const hidden = (text: string | null | undefined) => !text || text === '[withheld]' || text === '[erased]';

/**
 * A candidate before the jury: per block the criteria with their scores and
 * the assessors' comments, the referent's opinions as far as the jury may see
 * them (that a favourable opinion was given, by whom and when; which criteria
 * a neutralisation opinion names), and, for the president of an open
 * deliberation, neutralising a criterion and deciding the block.
 */
export async function candidateScreen(ctx: ScreenContext, params: Record<string, string>): Promise<Node> {
  const { id: juryId, candidateId } = params;
  const { body: record, etag } = await ctx.api.get<JuryRecord>(`/v1/juries/${encodeURIComponent(juryId)}/record`);
  const entry = record.candidates.find((c) => c.candidateId === candidateId);
  if (!entry) throw new ApiError(404, 'NOT_FOUND', 'candidate not in this jury');
  const [{ body: file }, { body: referential }] = await Promise.all([
    ctx.api.get<CandidateFile>(`/v1/candidates/${encodeURIComponent(candidateId)}`),
    ctx.api.get<Referential>(`/v1/referentials/${encodeURIComponent(record.certification.referentialId)}`),
  ]);
  const commands = JuryCommands.fromEtag(ctx.api, juryId, etag);
  const canAct = isPresident(record, ctx.user.sub) && record.status === 'open';
  const reload = () => ctx.navigate(`/juries/${juryId}/candidates/${candidateId}`);
  const name = entry.name ?? entry.pseudonym ?? candidateId;
  const scores = new Map(file.scores.filter((s) => s.sessionId === record.session.sessionId).map((s) => [s.criterion, s]));

  const accommodations = file.accommodationRequests.filter((r) => r.status === 'granted' || r.opinion);
  return h(
    'section',
    null,
    h('p', null, h('a', { href: `#/juries/${encodeURIComponent(juryId)}` }, '← Retour à la feuille de délibération')),
    h('h1', null, name),
    h('p', null, `${record.session.title ?? ''} — ${STATUS_LABELS[record.status]}`),
    h('h2', null, 'Aménagements et avis du référent handicap'),
    accommodations.length === 0
      ? h('p', { class: 'muted' }, 'Aucun aménagement demandé.')
      : h(
          'ul',
          null,
          accommodations.map((r) =>
            h(
              'li',
              null,
              r.accommodations.map((a) => `${ACCOMMODATION_LABELS[a.type] ?? a.type}${a.extraTimePercent ? ` (${a.extraTimePercent} %)` : ''}`).join(', '),
              ' — ',
              r.opinion ? `avis ${r.opinion.favourable ? 'favorable' : 'défavorable'} du référent${r.opinion.by ? ` ${r.opinion.by}` : ''} le ${frenchDate(r.opinion.at)}` : 'sans avis du référent',
              r.status === 'granted' ? ', accordé' : '',
            ),
          ),
        ),
    file.neutralisationOpinions.length
      ? h('p', null, `Le référent handicap recommande de neutraliser : ${file.neutralisationOpinions.flatMap((o) => o.criteria).join(', ')}.`)
      : null,
    entry.blocks.map((block) => blockSection(ctx, { record, block, referential, scores, file, canAct, commands, reload, candidateId })),
  );
}

interface BlockContext {
  record: JuryRecord;
  block: RecordBlock;
  referential: Referential;
  scores: Map<string, CandidateFile['scores'][number]>;
  file: CandidateFile;
  canAct: boolean;
  commands: JuryCommands;
  reload(): void;
  candidateId: string;
}

function blockSection(ctx: ScreenContext, b: BlockContext): HTMLElement {
  const { block } = b;
  const definition = b.referential.blocks.find((x) => x.code === block.block);
  const criteria = definition?.competences.flatMap((c) => c.criteria) ?? [];
  const neutralised = new Set(block.neutralised.map((n) => n.criterion));
  const feedback = h('div', { 'aria-live': 'polite' });
  const headingId = `block-${block.block}`;
  const rows = criteria.map((criterion) => {
    const score = b.scores.get(criterion.code);
    const opinion = b.file.neutralisationOpinions.find((o) => o.criteria.includes(criterion.code));
    let result: Node = score ? h('span', { class: `tag ${score.result === 'acquired' ? 'ok' : 'ko'}` }, score.result === 'acquired' ? 'Acquis' : 'Non acquis') : h('span', { class: 'tag wait' }, 'Non évalué');
    if (neutralised.has(criterion.code)) result = h('span', { class: 'tag none' }, 'Neutralisé');
    const canNeutralise = b.canAct && opinion && !criterion.core && !neutralised.has(criterion.code) && (block.decision === null || block.decision === 'deferred');
    const neutralise = canNeutralise
      ? (h('button', {
          type: 'button',
          'aria-label': `Neutraliser le critère ${criterion.code}`,
          onClick: async (e: Event) => {
            const button = e.currentTarget as HTMLButtonElement;
            button.disabled = true;
            clear(feedback);
            try {
              await b.commands.send('neutralisations', { candidateId: b.candidateId, criterion: criterion.code, opinionId: opinion!.opinionId });
              ctx.notify(`Critère ${criterion.code} neutralisé.`);
              b.reload();
            } catch (error) {
              feedback.appendChild(commandFailure(ctx, error, b.reload));
              button.disabled = false;
            }
          },
        }, 'Neutraliser') as HTMLButtonElement)
      : null;
    return h(
      'tr',
      null,
      h('th', { scope: 'row' }, criterion.code, criterion.core ? h('div', { class: 'muted' }, 'cœur de métier') : null),
      h('td', null, criterion.text),
      h('td', null, result),
      h('td', null, score?.comment && !hidden(score.comment) ? score.comment : '—'),
      h('td', null, opinion ? (neutralised.has(criterion.code) ? 'Neutralisé sur avis du référent' : 'Neutralisation recommandée par le référent') : '—', neutralise ? [' ', neutralise] : null),
    );
  });
  return h(
    'section',
    { class: 'card block', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, `${block.block} — ${block.title ?? definition?.title ?? ''}`),
    h(
      'p',
      null,
      'Proposition : ',
      proposalTag(block.proposal),
      ' — Décision : ',
      decisionTag(block.decision),
      ` — ${block.criteria.acquired} acquis sur ${block.criteria.scored} évalués, ${block.criteria.total} critères, ${block.criteria.neutralised} neutralisé(s)`,
    ),
    block.motivation && !hidden(block.motivation) ? h('p', null, h('strong', null, 'Motivation : '), block.motivation) : null,
    h(
      'details',
      { open: worthOpening(block, criteria, b) },
      h('summary', null, `Critères du bloc ${block.block} (${criteria.length})`),
      h(
        'div',
        { class: 'table-wrap' },
        h(
        'table',
        null,
        h('caption', { class: 'muted' }, `Critères du bloc ${block.block}`),
        h('thead', null, h('tr', null, ['Critère', 'Énoncé', 'Résultat', 'Commentaire de l’évaluateur', 'Avis du référent'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, rows),
        ),
      ),
    ),
    feedback,
    b.canAct && (block.decision === null || block.decision === 'deferred') ? decisionForm(ctx, b) : null,
  );
}

/**
 * Hundreds of criteria make a long page: a block's table opens by itself only
 * when there is something to look at (a criterion not acquired or not
 * scored, a neutralisation made or recommended); the others stay one click away.
 */
function worthOpening(block: RecordBlock, criteria: Array<{ code: string }>, b: BlockContext): boolean {
  if (block.neutralised.length > 0) return true;
  return criteria.some((c) => b.scores.get(c.code)?.result !== 'acquired' || b.file.neutralisationOpinions.some((o) => o.criteria.includes(c.code)));
}

/** Deciding a block: the 422 rules come back next to the field they are about (motivation, decision), in French. */
function decisionForm(ctx: ScreenContext, b: BlockContext): HTMLElement {
  const code = b.block.block;
  const ids = { decision: `decision-${code}`, motivation: `motivation-${code}`, decisionError: `decision-${code}-error`, motivationError: `motivation-${code}-error` };
  const decisionError = h('p', { class: 'field-error', id: ids.decisionError });
  const motivationError = h('p', { class: 'field-error', id: ids.motivationError });
  const general = h('div', { 'aria-live': 'polite' });
  const suggested: Decision = b.block.proposal === 'acquired' ? 'validated' : b.block.proposal === 'not-acquired' ? 'not-validated' : 'deferred';
  const radios = (Object.keys(DECISION_LABELS) as Decision[]).map((d) =>
    h('div', { class: 'check' }, h('input', { type: 'radio', name: ids.decision, id: `${ids.decision}-${d}`, value: d, checked: d === suggested, 'aria-describedby': ids.decisionError }), h('label', { for: `${ids.decision}-${d}` }, DECISION_LABELS[d])),
  );
  const fieldset = h('fieldset', { 'aria-describedby': ids.decisionError }, h('legend', null, `Décision pour le bloc ${code}`), radios, decisionError);
  const motivation = h('textarea', { id: ids.motivation, name: 'motivation', maxlength: '4000', 'aria-describedby': `${ids.motivation}-hint ${ids.motivationError}` }) as HTMLTextAreaElement;
  const submit = h('button', { type: 'submit', class: 'primary' }, `Enregistrer la décision du bloc ${code}`) as HTMLButtonElement;
  const form = h(
    'form',
    {
      class: 'decision',
      'aria-label': `Décider le bloc ${code}`,
      onSubmit: async (e: Event) => {
        e.preventDefault();
        for (const el of [decisionError, motivationError, general]) clear(el);
        motivation.removeAttribute('aria-invalid');
        fieldset.removeAttribute('aria-invalid');
        const chosen = (form.querySelector(`input[name="${ids.decision}"]:checked`) as HTMLInputElement | null)?.value;
        const text = motivation.value.trim();
        submit.disabled = true;
        try {
          await b.commands.send('decisions', { candidateId: b.candidateId, block: code, decision: chosen, ...(text ? { motivation: text } : {}) });
          ctx.notify(`Décision enregistrée pour le bloc ${code}.`);
          b.reload();
        } catch (error) {
          submit.disabled = false;
          const fields = error instanceof ApiError && !isStale(error) ? fieldErrors(error) : {};
          if (fields.motivation) {
            motivationError.textContent = fields.motivation;
            motivation.setAttribute('aria-invalid', 'true');
            motivation.focus();
          }
          if (fields.decision) {
            decisionError.textContent = fields.decision;
            fieldset.setAttribute('aria-invalid', 'true');
          }
          if (!fields.motivation && !fields.decision) general.appendChild(commandFailure(ctx, error, b.reload));
        }
      },
    },
    fieldset,
    h(
      'div',
      { class: 'field' },
      h('label', { for: ids.motivation }, 'Motivation'),
      h('p', { class: 'muted', id: `${ids.motivation}-hint` }, 'Obligatoire quand la décision s’écarte de la proposition (un report s’en écarte toujours).'),
      motivation,
      motivationError,
    ),
    general,
    submit,
  );
  return form;
}
