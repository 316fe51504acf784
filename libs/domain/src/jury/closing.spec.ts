import { fold, RecordedEvent } from '../shared/decider';
import { given } from '../testing/given-when-then';
import { ReferentialDocument } from '../referential/referential';
import { targetOf } from '../candidate/outcome';
import { JuryMember, jurySpec } from './jury';
import { JuryCommand, juryDecider, JuryDeps } from './jury-decider';
import { DecisionContext } from '../shared/decider';
import { closingFromOutcomes, closingOutcome } from './closing';
import { candidateSpec } from '../candidate/candidate';

/** The closing: awards under the seal, withdrawals by revision, capitalisation per certification. */
const JURY = 'a0000000-0000-4000-8000-000000000001';
const EARLIER_JURY = 'a0000000-0000-4000-8000-000000000002';
const REVISION = 'a0000000-0000-4000-8000-000000000003';
const SESSION = 'b0000000-0000-4000-8000-000000000001';
const EARLIER_SESSION = 'b0000000-0000-4000-8000-000000000002';
const OTHER_CERT_SESSION = 'b0000000-0000-4000-8000-000000000003';
const REF = 'c0000000-0000-4000-8000-000000000001';
const OTHER_REF = 'c0000000-0000-4000-8000-000000000002';
const OLD_REF = 'c0000000-0000-4000-8000-000000000003';
const CAND = 'd0000000-0000-4000-8000-000000000001';
const NOW = '2026-06-15T10:00:00.000Z';
const seal = { sealHash: 'hash', signature: 'sig', keyFingerprint: 'k' };

const block = (code: string) => ({ code, title: code, competences: [{ code: `C-${code}`, title: 'c', criteria: [{ code: `CE-${code}`, text: 't', core: true }] }] });
const doc = (code: string, extra: Partial<ReferentialDocument> = {}): ReferentialDocument => ({
  code,
  title: code,
  certifier: 'CDE FEDE FRANCE',
  validationRule: 'all-criteria',
  blocks: [block('BC01'), block('BC02')],
  ...extra,
});
const members: JuryMember[] = [
  { userId: 'pres', name: 'P', president: true, professional: true },
  { userId: 'pro', name: 'Q', president: false, professional: true },
];
const asPresident = { actor: { id: 'pres', role: 'jury' as const }, now: NOW };

const ev = (type: string, data: Record<string, unknown>, extra: Partial<RecordedEvent> = {}): RecordedEvent => ({ type, data, ...extra });
const enrolled = (sessionId: string, referentialId: string, certificationCode: string, blocks: string[], referentialVersion = 1) =>
  ev('CandidateEnrolled', { candidateId: CAND, sessionId, referentialId, certificationCode, referentialVersion, blocks });
const recorded = (juryId: string, sessionId: string, blockCode: string, decision: string, certificationCode: string, referentialId: string, recordedAt = '2025-06-01T10:00:00.000Z', referentialVersion = 1) =>
  ev('BlockDecisionRecorded', { candidateId: CAND, juryId, sessionId, block: blockCode, decision, revision: false, certificationCode, referentialId, referentialVersion }, { recordedAt, eventId: `e-${juryId}-${blockCode}-${decision}` });
const decided = (juryId: string, blockCode: string, decision = 'validated') => ev('BlockDecided', { juryId, candidateId: CAND, block: blockCode, decision, proposal: 'acquired' });
const jury = (juryId = JURY, more: RecordedEvent[] = [], revises?: object) => [
  ev('JuryConvened', { juryId, sessionId: SESSION, referentialId: REF, members, ...(revises ? { revises } : {}) }),
  ev('DeliberationOpened', { juryId }),
  ...more,
];
const view = (...events: RecordedEvent[]) => fold(candidateSpec, [ev('CandidateRegistered', { candidateId: CAND, identity: null }), ...events]);
/** The close command sent by the president, with what the handler loads (the target, the candidates' outcomes, the closings). */
const close = (events: RecordedEvent[], document: ReferentialDocument = doc('RNCP11111'), closings: Record<string, string | null> = {}, version = 1): [JuryCommand, Partial<DecisionContext> & JuryDeps] => [
  { type: 'CloseDeliberation', data: { seal } },
  { ...asPresident, target: targetOf(REF, version, document), candidates: { [CAND]: view(...events).outcome }, closings },
];

describe('closing: the award comes with the seal', () => {
  const both = [enrolled(SESSION, REF, 'RNCP11111', ['BC01', 'BC02']), recorded(JURY, SESSION, 'BC01', 'validated', 'RNCP11111', REF), recorded(JURY, SESSION, 'BC02', 'validated', 'RNCP11111', REF)];

  it('DeliberationClosed, then CertificationAwarded dated the closing day, carrying the seal hash', () => {
    given(juryDecider, jury(JURY, [decided(JURY, 'BC01'), decided(JURY, 'BC02')]))
      .when(...close(both))
      .then([
        { type: 'DeliberationClosed', data: { juryId: JURY, ...seal, closedAt: NOW } },
        {
          type: 'CertificationAwarded',
          data: {
            candidateId: CAND,
            certificationCode: 'RNCP11111',
            referentialId: REF,
            juryId: JURY,
            awardedOn: '2026-06-15',
            blocks: [
              { block: 'BC01', juryId: JURY, sessionId: SESSION, referentialId: REF, validatedOn: '2026-06-15' },
              { block: 'BC02', juryId: JURY, sessionId: SESSION, referentialId: REF, validatedOn: '2026-06-15' },
            ],
            sealHash: 'hash',
          },
        },
      ]);
  });

  it('no award while a block is not validated, deferred, or validated by a deliberation not yet sealed', () => {
    const notYet = [enrolled(SESSION, REF, 'RNCP11111', ['BC01']), enrolled(EARLIER_SESSION, REF, 'RNCP11111', ['BC02']), recorded(JURY, SESSION, 'BC01', 'validated', 'RNCP11111', REF), recorded(EARLIER_JURY, EARLIER_SESSION, 'BC02', 'validated', 'RNCP11111', REF)];
    const events = given(juryDecider, jury(JURY, [decided(JURY, 'BC01')])).when(...close(notYet, doc('RNCP11111'), { [EARLIER_JURY]: null })).events();
    expect(events.map((e) => e.type)).toEqual(['DeliberationClosed']);
    const deferred = [...both.slice(0, 2), recorded(JURY, SESSION, 'BC02', 'deferred', 'RNCP11111', REF)];
    expect(given(juryDecider, jury(JURY, [decided(JURY, 'BC01'), decided(JURY, 'BC02', 'deferred')])).when(...close(deferred)).events().map((e) => e.type)).toEqual(['DeliberationClosed']);
  });

  it('counts a block capitalised in an earlier, sealed session of the same certification', () => {
    const events = [enrolled(SESSION, REF, 'RNCP11111', ['BC01']), enrolled(EARLIER_SESSION, REF, 'RNCP11111', ['BC02']), recorded(JURY, SESSION, 'BC01', 'validated', 'RNCP11111', REF), recorded(EARLIER_JURY, EARLIER_SESSION, 'BC02', 'validated', 'RNCP11111', REF)];
    const out = given(juryDecider, jury(JURY, [decided(JURY, 'BC01')])).when(...close(events, doc('RNCP11111'), { [EARLIER_JURY]: '2025-06-02T10:00:00.000Z' })).events();
    expect(out.map((e) => e.type)).toEqual(['DeliberationClosed', 'CertificationAwarded']);
    expect((out[1].data as any).blocks[1]).toEqual({ block: 'BC02', juryId: EARLIER_JURY, sessionId: EARLIER_SESSION, referentialId: REF, validatedOn: '2025-06-02' });
  });

  it('never counts a block of the same code validated under another certification', () => {
    const events = [enrolled(SESSION, REF, 'RNCP11111', ['BC01']), enrolled(OTHER_CERT_SESSION, OTHER_REF, 'RNCP22222', ['BC02']), recorded(JURY, SESSION, 'BC01', 'validated', 'RNCP11111', REF), recorded(EARLIER_JURY, OTHER_CERT_SESSION, 'BC02', 'validated', 'RNCP22222', OTHER_REF)];
    const out = given(juryDecider, jury(JURY, [decided(JURY, 'BC01')])).when(...close(events, doc('RNCP11111'), { [EARLIER_JURY]: '2025-06-02T10:00:00.000Z' })).events();
    expect(out.map((e) => e.type)).toEqual(['DeliberationClosed']);
  });

  it('counts a block of another referential through the equivalence the target declares, and says so', () => {
    const withEquivalence = doc('RNCP11111', { equivalences: [{ from: { referentialId: OLD_REF, block: 'B-OLD-2' }, to: 'BC02' }] });
    const events = [enrolled(SESSION, REF, 'RNCP11111', ['BC01']), enrolled(EARLIER_SESSION, OLD_REF, 'RNCP00001', ['B-OLD-2']), recorded(JURY, SESSION, 'BC01', 'validated', 'RNCP11111', REF), recorded(EARLIER_JURY, EARLIER_SESSION, 'B-OLD-2', 'validated', 'RNCP00001', OLD_REF)];
    const out = given(juryDecider, jury(JURY, [decided(JURY, 'BC01')])).when(...close(events, withEquivalence, { [EARLIER_JURY]: '2025-06-02T10:00:00.000Z' })).events();
    expect(out.map((e) => e.type)).toEqual(['DeliberationClosed', 'CertificationAwarded']);
    expect((out[1].data as any).blocks[1]).toMatchObject({ block: 'BC02', juryId: EARLIER_JURY, equivalence: { referentialId: OLD_REF, block: 'B-OLD-2' } });
    // Without the table, the old block counts for nothing.
    expect(given(juryDecider, jury(JURY, [decided(JURY, 'BC01')])).when(...close(events, doc('RNCP11111'), { [EARLIER_JURY]: '2025-06-02T10:00:00.000Z' })).events()).toHaveLength(1);
  });

  it('an equivalence by version of the same certification', () => {
    const v2 = doc('RNCP11111', { blocks: [block('BC01'), block('BC09')], equivalences: [{ from: { version: 1, block: 'BC02' }, to: 'BC09' }] });
    const events = [enrolled(SESSION, REF, 'RNCP11111', ['BC01'], 2), enrolled(EARLIER_SESSION, OLD_REF, 'RNCP11111', ['BC02'], 1), recorded(JURY, SESSION, 'BC01', 'validated', 'RNCP11111', REF, undefined, 2), recorded(EARLIER_JURY, EARLIER_SESSION, 'BC02', 'validated', 'RNCP11111', OLD_REF, undefined, 1)];
    const out = given(juryDecider, jury(JURY, [decided(JURY, 'BC01')])).when(...close(events, v2, { [EARLIER_JURY]: '2025-06-02T10:00:00.000Z' }, 2)).events();
    expect(out.map((e) => e.type)).toEqual(['DeliberationClosed', 'CertificationAwarded']);
  });

  it('a capitalised block past the validity period no longer counts', () => {
    const events = [enrolled(SESSION, REF, 'RNCP11111', ['BC01']), enrolled(EARLIER_SESSION, REF, 'RNCP11111', ['BC02']), recorded(JURY, SESSION, 'BC01', 'validated', 'RNCP11111', REF), recorded(EARLIER_JURY, EARLIER_SESSION, 'BC02', 'validated', 'RNCP11111', REF)];
    const fiveYears = doc('RNCP11111', { validityYears: 5 });
    const run = (closedEarlier: string) =>
      given(juryDecider, jury(JURY, [decided(JURY, 'BC01')])).when(...close(events, fiveYears, { [EARLIER_JURY]: closedEarlier })).events().map((e) => e.type);
    expect(run('2021-06-15T10:00:00.000Z')).toEqual(['DeliberationClosed', 'CertificationAwarded']);
    expect(run('2021-06-15T09:59:59.999Z')).toEqual(['DeliberationClosed']);
  });

  it('awards a certification at most once while in force', () => {
    const awarded = ev('CertificationAwarded', { candidateId: CAND, certificationCode: 'RNCP11111', referentialId: REF, juryId: EARLIER_JURY, blocks: [], awardedOn: '2026-01-01' });
    expect(given(juryDecider, jury(JURY, [decided(JURY, 'BC01'), decided(JURY, 'BC02')])).when(...close([...both, awarded])).events()).toHaveLength(1);
  });

  it('lists the blocks left deferred', () => {
    const state = fold(jurySpec, jury(JURY, [decided(JURY, 'BC01', 'deferred'), decided(JURY, 'BC02', 'deferred'), decided(JURY, 'BC01')]));
    const out = closingOutcome({ jury: state, target: targetOf(REF, 1, doc('RNCP11111')), candidates: {}, closings: {}, closedAt: NOW });
    expect(out.deferred).toEqual([{ candidateId: CAND, block: 'BC02' }]);
  });
});

describe('closing of a revision: withdrawal', () => {
  const original = [
    enrolled(SESSION, REF, 'RNCP11111', ['BC01', 'BC02']),
    recorded(EARLIER_JURY, SESSION, 'BC01', 'validated', 'RNCP11111', REF),
    recorded(EARLIER_JURY, SESSION, 'BC02', 'validated', 'RNCP11111', REF),
    ev(
      'CertificationAwarded',
      {
        candidateId: CAND,
        certificationCode: 'RNCP11111',
        referentialId: REF,
        juryId: EARLIER_JURY,
        blocks: [
          { block: 'BC01', juryId: EARLIER_JURY, sessionId: SESSION },
          { block: 'BC02', juryId: EARLIER_JURY, sessionId: SESSION },
        ],
        awardedOn: '2026-02-01',
      },
      { eventId: 'award-1' },
    ),
  ];
  const closings = { [EARLIER_JURY]: '2026-02-01T10:00:00.000Z' };
  const revisionJury = (decision: string) => jury(REVISION, [decided(REVISION, 'BC02', decision)], { juryId: EARLIER_JURY, reason: 'appeal', appealId: 'ap' });

  it('a revision that takes a block back withdraws the award it undoes', () => {
    const events = [...original, ev('BlockDecisionRecorded', { candidateId: CAND, juryId: REVISION, sessionId: SESSION, block: 'BC02', decision: 'not-validated', revision: true })];
    given(juryDecider, revisionJury('not-validated'))
      .when(...close(events, doc('RNCP11111'), closings))
      .then([
        { type: 'DeliberationClosed', data: { juryId: REVISION, ...seal, closedAt: NOW } },
        { type: 'CertificationWithdrawn', data: { candidateId: CAND, certificationCode: 'RNCP11111', awardEventId: 'award-1', juryId: REVISION, reason: 'appeal' } },
      ]);
  });

  it('a confirming revision withdraws nothing and awards nothing again', () => {
    const events = [...original, ev('BlockDecisionRecorded', { candidateId: CAND, juryId: REVISION, sessionId: SESSION, block: 'BC02', decision: 'validated', revision: true })];
    expect(given(juryDecider, revisionJury('validated')).when(...close(events, doc('RNCP11111'), closings)).events().map((e) => e.type)).toEqual(['DeliberationClosed']);
  });

  it('a later revision that validates again awards again', () => {
    const withdrawn = [
      ...original,
      ev('BlockDecisionRecorded', { candidateId: CAND, juryId: REVISION, sessionId: SESSION, block: 'BC02', decision: 'not-validated', revision: true }),
      ev('CertificationWithdrawn', { candidateId: CAND, certificationCode: 'RNCP11111', awardEventId: 'award-1', juryId: REVISION, reason: 'appeal' }),
    ];
    const FOURTH = 'a0000000-0000-4000-8000-000000000004';
    const events = [...withdrawn, ev('BlockDecisionRecorded', { candidateId: CAND, juryId: FOURTH, sessionId: SESSION, block: 'BC02', decision: 'validated', revision: true })];
    const out = given(juryDecider, jury(FOURTH, [decided(FOURTH, 'BC02')], { juryId: REVISION, reason: 'appeal', appealId: 'ap2' }))
      .when(...close(events, doc('RNCP11111'), { ...closings, [REVISION]: '2026-03-01T10:00:00.000Z' }))
      .events();
    expect(out.map((e) => e.type)).toEqual(['DeliberationClosed', 'CertificationAwarded']);
    expect((out[1].data as any).blocks.map((b: any) => b.juryId)).toEqual([EARLIER_JURY, FOURTH]);
  });

  it('the awards and withdrawals read back from the candidates are those the closing computed (what the seal covers)', () => {
    const events = [...original, ev('BlockDecisionRecorded', { candidateId: CAND, juryId: REVISION, sessionId: SESSION, block: 'BC02', decision: 'not-validated', revision: true })];
    const [command, deps] = close(events, doc('RNCP11111'), closings);
    const state = fold(jurySpec, revisionJury('not-validated'));
    const computed = closingOutcome({ jury: state, target: deps.target!, candidates: deps.candidates!, closings, closedAt: NOW });
    const written = juryDecider.decide(command, state, { ...deps, now: NOW, newId: () => 'x', actor: asPresident.actor });
    const after = view(...events, ...written.slice(1).map((e, i) => ({ ...e, eventId: `w${i}` })));
    expect(closingFromOutcomes(REVISION, { [CAND]: after.outcome })).toEqual({ awards: computed.awards, withdrawals: computed.withdrawals });
  });
});
