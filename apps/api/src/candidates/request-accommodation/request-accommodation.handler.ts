import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccommodationType } from '@app/domain/candidate/candidate';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { Sealed } from '@app/platform/personal-data/vault';
import { loadCandidate } from '../candidate-loading';
import { FreeTexts } from '@app/platform/personal-data/free-texts';

export class RequestAccommodationCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly accommodations: Array<{ type: AccommodationType; extraTimePercent?: number; details?: string }>,
    readonly justification: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** Records an accommodation request; details and justification are health data, sealed before the domain sees them. */
@CommandHandler(RequestAccommodationCommand)
export class RequestAccommodationHandler implements ICommandHandler<RequestAccommodationCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly texts: FreeTexts,
  ) {}

  execute({ candidateId, accommodations, justification, meta }: RequestAccommodationCommand): Promise<CommandResult> {
    let sealed: { details: Array<Sealed | null>; justification: Sealed | null } | undefined;
    return this.runner.run(meta, async (uow) => {
      const { stream, state } = await loadCandidate(uow, candidateId);
      if (!sealed && !state.erased) {
        sealed = {
          details: await Promise.all(accommodations.map((a) => this.texts.seal(candidateId, a.details, { path: 'details' }))),
          justification: await this.texts.seal(candidateId, justification, { path: 'justification' }),
        };
      }
      const events = decideCandidate(
        {
          type: 'RequestAccommodation',
          data: {
            candidateId,
            accommodations: accommodations.map((a, i) => ({
              type: a.type,
              ...(a.extraTimePercent !== undefined && a.extraTimePercent !== null ? { extraTimePercent: a.extraTimePercent } : {}),
              details: sealed?.details[i] ?? null,
            })),
            justification: sealed?.justification ?? null,
          },
        },
        state,
        uow.context,
      );
      uow.append(stream, events);
      const requested = events.find((e) => e.type === 'AccommodationRequested');
      return { id: candidateId, primaryStream: stream, extra: { requestId: requested?.type === 'AccommodationRequested' ? requested.data.requestId : undefined } };
    });
  }
}
