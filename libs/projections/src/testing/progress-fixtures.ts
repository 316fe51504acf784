import { randomUUID } from 'node:crypto';
import { candidateStream } from '@app/domain/candidate/candidate';
import { juryStream } from '@app/domain/jury/jury';
import { referentialStream } from '@app/domain/referential/referential-state';
import type { NewEvent, StreamWrite } from '@app/event-store/event-store';

/** Synthetic but well-formed progress events for the engine's tests (not a domain test: no decider involved). */
const meta = (role = 'admin') => ({ actor: { id: 'u-fixture', role }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() });
export const ev = (type: string, data: unknown, role?: string): NewEvent => ({ type, data, metadata: meta(role) });

export const fixtureReferential = (referentialId: string) => ({
  referentialId,
  version: 1,
  document: {
    code: 'RNCP00000',
    title: 'Fixture',
    certifier: 'Fixture',
    validationRule: 'all-criteria',
    blocks: [
      { code: 'BC01', title: 'one', competences: [{ code: 'C1', title: 'c1', criteria: [{ code: 'CE1.1', text: 'a', core: true }, { code: 'CE1.2', text: 'b', core: false }] }] },
      { code: 'BC02', title: 'two', competences: [{ code: 'C2', title: 'c2', criteria: [{ code: 'CE2.1', text: 'a', core: true }, { code: 'CE2.2', text: 'b', core: false }, { code: 'CE2.3', text: 'c', core: false }] }] },
    ],
  },
});

export interface World {
  referentialId: string;
  sessionId: string;
  juryId: string;
}

export function referentialWrite(world: World): StreamWrite {
  return {
    streamId: referentialStream(world.referentialId),
    expectedVersion: 'any',
    events: [ev('ReferentialDrafted', fixtureReferential(world.referentialId)), ev('ReferentialPublished', { referentialId: world.referentialId, code: 'RNCP00000', version: 1 })],
  };
}

export const newWorld = (): World => ({ referentialId: randomUUID(), sessionId: randomUUID(), juryId: randomUUID() });

/** About ten events for candidate number `i`, varied by i: some certified, some not, some left incomplete. */
export function candidateEvents(world: World, candidateId: string, i: number): { candidate: NewEvent[]; jury: NewEvent[] } {
  const { sessionId, referentialId, juryId } = world;
  const c = (type: string, data: object) => ev(type, { candidateId, ...data });
  const score = (block: string, criterion: string, result: string) => c('CriterionScored', { sessionId, block, criterion, result });
  const candidate: NewEvent[] = [
    c('CandidateRegistered', { identity: { alg: 'A256GCM', kid: candidateId, iv: 'x', ct: 'y', tag: 'z' }, accessRoute: 'vae' }),
    c('CandidateEnrolled', { sessionId, referentialId, blocks: i % 3 === 0 ? ['BC01'] : ['BC01', 'BC02'] }),
    score('BC01', 'CE1.1', 'acquired'),
    score('BC01', 'CE1.2', i % 4 === 1 ? 'not-acquired' : 'acquired'),
  ];
  if (i % 3 !== 0) {
    candidate.push(score('BC02', 'CE2.1', 'acquired'));
    if (i % 5 !== 2) candidate.push(score('BC02', 'CE2.3', 'acquired'));
  }
  if (i % 4 === 1) candidate.push(c('CriterionScoreCorrected', { sessionId, block: 'BC01', criterion: 'CE1.2', result: 'acquired', previousResult: 'not-acquired', correctionReason: 'typo' }));
  const jury: NewEvent[] = i % 3 !== 0 ? [ev('CriterionNeutralised', { juryId, candidateId, block: 'BC02', criterion: 'CE2.2', opinionId: randomUUID() }, 'jury')] : [];
  if (i % 2 === 0) {
    candidate.push(c('BlockDecisionRecorded', { juryId, sessionId, block: 'BC01', decision: 'validated', revision: false }));
    if (i % 3 !== 0 && i % 5 !== 2) {
      candidate.push(c('BlockDecisionRecorded', { juryId, sessionId, block: 'BC02', decision: 'validated', revision: false }));
      candidate.push(c('CertificationAwarded', { certificationCode: 'RNCP00000', referentialId, juryId, blocks: [{ block: 'BC01', juryId }, { block: 'BC02', juryId }], awardedOn: '2025-01-01' }));
    }
  } else if (i % 7 === 3) {
    candidate.push(c('BlockDecisionRecorded', { juryId, sessionId, block: 'BC01', decision: 'deferred', revision: false }));
  }
  return { candidate, jury };
}

/** Stream writes for candidates [from, to): one transaction per call of appendMany. */
export function candidateWrites(world: World, ids: string[], offset = 0): StreamWrite[] {
  const writes: StreamWrite[] = [];
  const jury: NewEvent[] = [];
  ids.forEach((id, k) => {
    const { candidate, jury: j } = candidateEvents(world, id, offset + k);
    writes.push({ streamId: candidateStream(id), expectedVersion: 'any', events: candidate });
    jury.push(...j);
  });
  if (jury.length) writes.push({ streamId: juryStream(world.juryId), expectedVersion: 'any', events: jury });
  return writes;
}
