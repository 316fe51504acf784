import { clear, h } from '../../dom.js';
import type { ScreenContext } from '../../router.js';
import { alertRegion, field, heading, idempotencyKey, isApiError, label, onSubmit, REFERENTIAL_STATUSES, section, showError, showSuccess, table } from './widgets.js';

/**
 * Referentials: import a document drafted elsewhere (a JSON file), see each
 * fault the API finds with its path in the document, publish a draft.
 */
export async function referentialsScreen(ctx: ScreenContext): Promise<Node> {
  const list = h('div', {});
  const refresh = async () => {
    const { body } = await ctx.api.get<any[]>('/v1/referentials');
    clear(list);
    list.append(
      table(
        'Référentiels',
        ['Code', 'Intitulé', 'Version', 'Statut', 'Action'],
        body.map((r) => [
          r.code,
          r.title,
          String(r.version),
          label(REFERENTIAL_STATUSES, r.status),
          r.status === 'draft' ? h('button', { type: 'button', onClick: () => void publish(r.id, r.code) }, `Publier ${r.code} v${r.version}`) : null,
        ]),
        'Aucun référentiel.',
      ),
    );
  };

  const publishAlert = alertRegion();
  const publish = async (id: string, code: string) => {
    try {
      // The version read here is the one the click was made on: a change since is a 412, not a silent publish.
      const { etag } = await ctx.api.get<any>(`/v1/referentials/${id}`);
      await ctx.api.post(`/v1/referentials/${id}/publish`, {}, { ifMatch: etag ?? undefined });
      // The list first, then the message: when it says "publié" the table already does.
      await refresh();
      showSuccess(list, publishAlert, `Référentiel ${code} publié.`);
    } catch (error) {
      showError(list, publishAlert, error);
    }
  };

  const file = h('input', { type: 'file', name: 'document', accept: 'application/json,.json', required: true }) as HTMLInputElement;
  const alert = alertRegion();
  const faults = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { 'aria-label': 'Importer un référentiel' },
    field('Document du référentiel (JSON)', file, 'Le format est celui de docs/api.md, « Referential document ».'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Importer le brouillon')),
    alert,
    faults,
  ) as HTMLFormElement;
  onSubmit(form, alert, async () => {
    clear(faults);
    const chosen = file.files?.[0];
    if (!chosen) throw new Error('Choisissez un fichier.');
    let document: unknown;
    try {
      document = JSON.parse(await chosen.text());
    } catch {
      throw new Error(`${chosen.name} n’est pas un document JSON lisible.`);
    }
    try {
      const { body } = await ctx.api.post<any>('/v1/referentials', document, { idempotencyKey: idempotencyKey() });
      await refresh();
      return `Brouillon importé (identifiant ${body.id}). Publiez-le pour ouvrir des sessions.`;
    } catch (error) {
      // Every fault of the document, each with its path, so the author can fix them all at once.
      if (isApiError(error, 400) && Array.isArray(error.details) && error.details.length) {
        faults.append(
          h('p', {}, `${error.details.length} erreur${error.details.length > 1 ? 's' : ''} dans le document :`),
          h('ul', { class: 'fautes' }, (error.details as Array<{ path: string; message: string }>).map((d) => h('li', {}, h('code', {}, d.path || '(racine)'), ` : ${d.message}`))),
        );
      }
      throw error;
    }
  });

  await refresh();
  return h('div', { class: 'ecran' }, heading('Référentiels'), section('Versions', publishAlert, list), section('Importer un référentiel', form));
}
