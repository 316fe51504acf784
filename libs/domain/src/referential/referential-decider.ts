import { DecisionContext, DomainEvent } from '../shared/decider';
import { assertNever, conflict, invalid, notFound, rule } from '../shared/errors';
import type { Decider } from '../shared/decider';
import { ReferentialEvent, ReferentialState, referentialSpec } from './referential-state';
import { describeFaults, validateReferential } from './validate';

export type ReferentialCommand =
  | {
      type: 'DraftReferential';
      referentialId: string;
      /** The untrusted document, validated here so that HTTP and the CLI refuse alike. */
      document: unknown;
      /**
       * How many versions of the same certification code were drafted before
       * (the handler counts them in the log): this draft is version 1 + that.
       */
      earlierDrafts: number;
    }
  | { type: 'PublishReferential'; referentialId: string }
  | { type: 'RetireReferential'; referentialId: string; reason: unknown };

export const MAX_REASON_LENGTH = 2000;

/**
 * A referential version is drafted once, published at most once, and retired
 * at most once. A published version never changes: a correction is a new
 * draft of the same certification code, with the next version number.
 */
export function decideReferential(command: ReferentialCommand, state: ReferentialState, _context: DecisionContext): DomainEvent[] {
  switch (command.type) {
    case 'DraftReferential': {
      if (state.status !== 'none') throw conflict('REFERENTIAL_EXISTS', `referential ${command.referentialId} already exists`);
      if (!Number.isInteger(command.earlierDrafts) || command.earlierDrafts < 0) throw new Error('earlierDrafts must be a non-negative integer');
      const outcome = validateReferential(command.document);
      if (!outcome.ok) throw invalid(`the referential document is invalid: ${describeFaults(outcome.faults)}`, outcome.faults);
      return [event('ReferentialDrafted', { referentialId: command.referentialId, version: command.earlierDrafts + 1, document: outcome.document })];
    }
    case 'PublishReferential': {
      switch (state.status) {
        case 'none':
          throw unknownReferential(command.referentialId);
        case 'published':
          throw conflict('REFERENTIAL_ALREADY_PUBLISHED', `referential ${command.referentialId} (version ${state.version}) is already published; a published version never changes`);
        case 'retired':
          throw rule('REFERENTIAL_RETIRED', `referential ${command.referentialId} (version ${state.version}) is retired and can no longer be published; draft a new version`);
        case 'draft':
          return [event('ReferentialPublished', { referentialId: command.referentialId, code: state.document!.code, version: state.version })];
        default:
          return assertNever(state.status, 'referential status');
      }
    }
    case 'RetireReferential': {
      if (state.status === 'none') throw unknownReferential(command.referentialId);
      if (state.status === 'retired') throw conflict('REFERENTIAL_ALREADY_RETIRED', `referential ${command.referentialId} is already retired`);
      const reason = typeof command.reason === 'string' ? command.reason.trim() : '';
      if (!reason) throw invalid('a reason is required to retire a referential', [{ path: '$.reason', message: 'is required' }]);
      if (reason.length > MAX_REASON_LENGTH) throw invalid(`the reason must be at most ${MAX_REASON_LENGTH} characters`, [{ path: '$.reason', message: `must be at most ${MAX_REASON_LENGTH} characters` }]);
      return [event('ReferentialRetired', { referentialId: command.referentialId, reason })];
    }
    default:
      return assertNever(command, 'referential command');
  }
}

/** A referential that was never drafted does not exist. */
function unknownReferential(id: string) {
  return notFound('referential', id);
}

function event<T extends ReferentialEvent['type']>(type: T, data: Extract<ReferentialEvent, { type: T }>['data']): DomainEvent {
  return { type, data };
}

export const referentialDecider: Decider<ReferentialState, ReferentialCommand> = {
  ...referentialSpec,
  decide: decideReferential,
};
