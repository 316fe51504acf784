import { Decider, DecisionContext } from '../shared/decider';
import { assertNever, conflict, invalid, notFound, rule } from '../shared/errors';
import { ReferentialEvent, ReferentialState, referentialSpec } from './referential-state';
import { describeFaults, validateReferential } from './validate';

/** `document` is the untrusted document, validated here so that HTTP and the CLI refuse alike. */
export type DraftReferential = { type: 'DraftReferential'; data: { referentialId: string; document: unknown } };
export type PublishReferential = { type: 'PublishReferential'; data: { referentialId: string } };
export type RetireReferential = { type: 'RetireReferential'; data: { referentialId: string; reason: unknown } };
export type ReferentialCommand = DraftReferential | PublishReferential | RetireReferential;

/** What a referential command reads besides its own stream, loaded by the handler. */
export interface ReferentialDeps {
  /**
   * DraftReferential: how many versions of the same certification code were
   * drafted before (the handler counts them in the log); this draft is version 1 + that.
   */
  earlierDrafts?: number;
}

export const MAX_REASON_LENGTH = 2000;

/**
 * A referential version is drafted once, published at most once, and retired
 * at most once. A published version never changes: a correction is a new
 * draft of the same certification code, with the next version number.
 */
export function decideReferential(command: ReferentialCommand, state: ReferentialState, context: DecisionContext & ReferentialDeps): ReferentialEvent[] {
  switch (command.type) {
    case 'DraftReferential': {
      const { referentialId, document } = command.data;
      if (state.status !== 'none') throw conflict('REFERENTIAL_EXISTS', `referential ${referentialId} already exists`);
      const earlierDrafts = context.earlierDrafts;
      if (earlierDrafts === undefined || !Number.isInteger(earlierDrafts) || earlierDrafts < 0) throw new Error('earlierDrafts must be a non-negative integer');
      const outcome = validateReferential(document);
      if (!outcome.ok) throw invalid(`the referential document is invalid: ${describeFaults(outcome.faults)}`, outcome.faults);
      return [{ type: 'ReferentialDrafted', data: { referentialId, version: earlierDrafts + 1, document: outcome.document } }];
    }
    case 'PublishReferential': {
      const { referentialId } = command.data;
      switch (state.status) {
        case 'none':
          throw unknownReferential(referentialId);
        case 'published':
          throw conflict('REFERENTIAL_ALREADY_PUBLISHED', `referential ${referentialId} (version ${state.version}) is already published; a published version never changes`);
        case 'retired':
          throw rule('REFERENTIAL_RETIRED', `referential ${referentialId} (version ${state.version}) is retired and can no longer be published; draft a new version`);
        case 'draft':
          return [{ type: 'ReferentialPublished', data: { referentialId, code: state.document!.code, version: state.version } }];
        default:
          return assertNever(state.status, 'referential status');
      }
    }
    case 'RetireReferential': {
      const { referentialId } = command.data;
      if (state.status === 'none') throw unknownReferential(referentialId);
      if (state.status === 'retired') throw conflict('REFERENTIAL_ALREADY_RETIRED', `referential ${referentialId} is already retired`);
      const reason = typeof command.data.reason === 'string' ? command.data.reason.trim() : '';
      if (!reason) throw invalid('a reason is required to retire a referential', [{ path: '$.reason', message: 'is required' }]);
      if (reason.length > MAX_REASON_LENGTH) throw invalid(`the reason must be at most ${MAX_REASON_LENGTH} characters`, [{ path: '$.reason', message: `must be at most ${MAX_REASON_LENGTH} characters` }]);
      return [{ type: 'ReferentialRetired', data: { referentialId, reason } }];
    }
    default:
      return assertNever(command, 'referential command');
  }
}

/** A referential that was never drafted does not exist. */
function unknownReferential(id: string) {
  return notFound('referential', id);
}

export const referentialDecider: Decider<ReferentialState, ReferentialCommand, ReferentialEvent, ReferentialDeps> = {
  ...referentialSpec,
  decide: decideReferential,
};
