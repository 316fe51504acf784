import { fixtureReferential } from '../testing/progress-fixtures';
import { applyBackOfficeEvent, BackOfficeSlice, decisionCounts, emptyBackOfficeSlice, filterToken, noChanges, sheetRows, StreamEvent } from './back-office.evolve';

const C = 'c1';
const S1 = 's1';
const S2 = 's2';
const IDENTITY = { alg: 'A256GCM', kid: C, iv: 'iv', ct: 'ct', tag: 'tag' };

let position = 0;
const e = (type: string, data: object): StreamEvent => ({ type, data, transactionId: String(100 + ++position), globalPosition: position, recordedAt: '2026-06-01T10:00:00.000Z' });
const changes = noChanges;
function fold(events: StreamEvent[], slice: BackOfficeSlice = emptyBackOfficeSlice()): BackOfficeSlice {
  for (const event of events) applyBackOfficeEvent(slice, event, changes());
  return slice;
}
const rows = (slice: BackOfficeSlice) => sheetRows(slice.candidates.get(C)!, slice.referentials);

describe('back-office lists evolve', () => {
  const history = () => [
    e('ReferentialDrafted', fixtureReferential('r1')),
    e('SessionOpened', { sessionId: S1, referentialId: 'r1', title: 'Juin', startsOn: '2026-06-01', endsOn: '2026-06-30' }),
    e('CandidateRegistered', { candidateId: C, identity: IDENTITY, accessRoute: 'vae' }),
    e('CandidateEnrolled', { candidateId: C, sessionId: S1, referentialId: 'r1', blocks: ['BC02', 'BC01'] }),
    e('CriterionScored', { candidateId: C, sessionId: S1, block: 'BC01', criterion: 'CE1.1', result: 'acquired' }),
    e('AccommodationRequested', { candidateId: C, requestId: 'q1', accommodations: [{ type: 'extra-time', extraTimePercent: 20 }], justification: IDENTITY }),
    e('AccommodationGranted', { candidateId: C, requestId: 'q1', reason: 'ok' }),
    e('AccommodationApplied', { candidateId: C, requestId: 'q1', sessionId: S1, evaluation: 'M1' }),
    e('AccommodationRequested', { candidateId: C, requestId: 'q2', accommodations: [{ type: 'assistant' }], justification: IDENTITY }),
    e('JuryConvened', { juryId: 'j1', sessionId: S1, referentialId: 'r1', members: [{ userId: 'p', name: 'P', president: true, professional: true }] }),
    e('CriterionNeutralised', { juryId: 'j1', candidateId: C, block: 'BC02', criterion: 'CE2.2', opinionId: 'o1' }),
    e('BlockDecided', { juryId: 'j1', candidateId: C, block: 'BC01', decision: 'deferred', proposal: 'incomplete' }),
    e('BlockDecisionRecorded', { candidateId: C, juryId: 'j1', sessionId: S1, block: 'BC01', decision: 'deferred', revision: false }),
  ];

  it('gives one sheet line per enrolment: blocks as progress, neutralisations, applied accommodation types, pending opinions', () => {
    const slice = fold(history());
    const [line] = rows(slice);
    expect(line).toMatchObject({
      sessionId: S1,
      candidateId: C,
      identity: IDENTITY,
      erased: false,
      neutralisations: [{ block: 'BC02', criterion: 'CE2.2' }],
      accommodations: ['extra-time'],
      pendingOpinions: 1,
      certified: false,
    });
    expect(line.blocks.map((b) => [b.code, b.proposal, b.decision])).toEqual([
      ['BC01', 'incomplete', 'deferred'],
      ['BC02', 'incomplete', null],
    ]);
    expect(line.tokens).toEqual(expect.arrayContaining([filterToken({ block: 'BC01', decision: 'deferred' }), filterToken({ decision: 'none' }), filterToken({ block: 'BC02' })]));
    expect(line.tokens).not.toContain(filterToken({ block: 'BC02', decision: 'deferred' }));
    expect(slice.sessions.get(S1)).toMatchObject({ certificationCode: fixtureReferential('r1').document.code, session: { title: 'Juin', assessors: [] } });
  });

  it("notes a candidate's file as changed by file events only: a score changes the progress alone", () => {
    const slice = fold(history());
    const score = noChanges();
    applyBackOfficeEvent(slice, e('CriterionScored', { candidateId: C, sessionId: S1, block: 'BC01', criterion: 'CE1.2', result: 'acquired' }), score);
    expect([...score.candidates]).toEqual([C]);
    expect([...score.files.keys()]).toEqual([]);
    const request = noChanges();
    const requested = e('AccommodationRequested', { candidateId: C, requestId: 'q3', accommodations: [{ type: 'assistant' }], justification: IDENTITY });
    applyBackOfficeEvent(slice, requested, request);
    expect([...request.candidates]).toEqual([C]);
    expect([...request.files]).toEqual([[C, requested.globalPosition]]);
  });

  it('replaying events already applied changes nothing', () => {
    const events = history();
    const once = fold(events);
    const twice = fold(events, fold(events));
    expect(rows(twice)).toEqual(rows(once));
    expect(twice.juries.get('j1')!.jury.decisions).toHaveLength(1);
  });

  it('a second session and an erasure show in every line of the candidate', () => {
    const slice = fold([
      ...history(),
      e('SessionOpened', { sessionId: S2, referentialId: 'r1', title: 'Sept', startsOn: '2026-09-01', endsOn: '2026-09-30' }),
      e('CandidateEnrolled', { candidateId: C, sessionId: S2, referentialId: 'r1', blocks: ['BC02'] }),
      e('CandidatePersonalDataErased', { candidateId: C, reason: 'demande', beforeRetentionEnd: true }),
    ]);
    const lines = rows(slice);
    expect(lines.map((l) => [l.sessionId, l.blocks.map((b) => b.code), l.erased, l.accommodations])).toEqual([
      [S1, ['BC01', 'BC02'], true, ['extra-time']],
      [S2, ['BC02'], true, []],
    ]);
  });

  it('counts the decisions in force: the latest per candidate and block', () => {
    const slice = fold([
      ...history(),
      e('BlockDecided', { juryId: 'j1', candidateId: C, block: 'BC01', decision: 'validated', proposal: 'acquired' }),
      e('BlockDecided', { juryId: 'j1', candidateId: C, block: 'BC02', decision: 'not-validated', proposal: 'not-acquired' }),
      e('BlockDecided', { juryId: 'j1', candidateId: 'c2', block: 'BC01', decision: 'deferred', proposal: 'incomplete' }),
    ]);
    expect(decisionCounts(slice.juries.get('j1')!.jury)).toEqual({ total: 3, validated: 1, notValidated: 1, deferred: 1 });
  });

  it('filters on one token: proposal and decision of the named block, else of any block', () => {
    expect(filterToken({})).toBeNull();
    expect(filterToken({ block: 'BC02' })).toBe('b:BC02');
    expect(filterToken({ proposal: 'incomplete' })).toBe('p:*:incomplete');
    expect(filterToken({ block: 'BC01', proposal: 'acquired', decision: 'none' })).toBe('pd:BC01:acquired:none');
  });
});
