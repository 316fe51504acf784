import { ApiError, versionOf, type ApiClient } from '../../api.js';
import { h } from '../../dom.js';
import { frenchMessage } from '../../errors.js';
import type { ScreenContext } from '../../router.js';

/**
 * The version of the jury's stream a screen displayed, and the commands it
 * sends at that version. Every command carries `If-Match` with it: if someone
 * changed the jury meanwhile, the API answers 412 and the screen says so
 * instead of overwriting what it never showed. A successful command moves the
 * version to the one it wrote (its ETag), so the user's own next command
 * goes through.
 */
export class JuryCommands {
  constructor(
    private readonly api: ApiClient,
    private readonly juryId: string,
    public version: number | null,
  ) {}

  static fromEtag(api: ApiClient, juryId: string, etag: string | null): JuryCommands {
    return new JuryCommands(api, juryId, versionOf(etag));
  }

  async send<T = Record<string, unknown>>(action: string, body: unknown): Promise<T> {
    const { body: answer, etag } = await this.api.post<T>(`/v1/juries/${encodeURIComponent(this.juryId)}/${action}`, body, this.version === null ? {} : { ifMatch: this.version });
    this.version = versionOf(etag) ?? this.version;
    return answer;
  }
}

/** A conflict with a change made meanwhile (412 on If-Match, or a lost race): the one fix is to reload. */
export const isStale = (error: unknown) => error instanceof ApiError && (error.status === 412 || error.code === 'CONCURRENCY_CONFLICT' || error.code === 'SEAL_MISMATCH');

/** The alert a screen shows when its command failed: the French sentence, and a reload button when the page is stale. */
export function commandFailure(ctx: ScreenContext, error: unknown, reload: () => void): HTMLElement {
  const text = error instanceof ApiError ? frenchMessage(error) : 'L’action n’a pas abouti.';
  return h(
    'div',
    { class: 'notice error', role: 'alert' },
    h('span', null, text, ' '),
    isStale(error) ? h('button', { type: 'button', onClick: reload }, 'Recharger la page') : null,
  );
}
