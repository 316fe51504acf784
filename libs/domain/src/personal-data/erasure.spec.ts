import { RecordedEvent } from '../shared/decider';
import { given } from '../testing/given-when-then';
import { DecisionContext } from '../shared/decider';
import { EraseCandidatePersonalData, erasureDecider, ErasureDeps, retentionEnd } from './erasure';

const id = '6f1c2d3e-4a5b-4c6d-8e7f-901234567890';
const sealed = { alg: 'A256GCM' as const, kid: id, iv: 'aXY=', ct: 'Y3Q=', tag: 'dGFn' };
const registered = (at: string): RecordedEvent => ({ type: 'CandidateRegistered', data: { candidateId: id, identity: sealed, accessRoute: 'vae' }, recordedAt: at });
const enrolled = (at: string): RecordedEvent => ({ type: 'CandidateEnrolled', data: { candidateId: id, sessionId: 's1', referentialId: 'r1', blocks: ['BC01'] }, recordedAt: at });
/** The command, and its context with the configured retention period (5 years unless said). */
const erase = ({ retentionYears = 5, ...extra }: Partial<EraseCandidatePersonalData['data']> & ErasureDeps = {}, context: Partial<DecisionContext> = {}): [EraseCandidatePersonalData, Partial<DecisionContext> & ErasureDeps] => [
  { type: 'EraseCandidatePersonalData', data: { candidateId: id, reason: 'request of the data subject (art. 17 GDPR), ticket 4411', overrideRetention: false, ...extra } },
  { ...context, retentionYears },
];
const now = '2026-06-15T10:00:00.000Z';

describe('erasure of personal data', () => {
  it('after the retention period: erased, not before its end', () => {
    given(erasureDecider, [registered('2020-01-10T09:00:00.000Z'), enrolled('2021-06-14T09:00:00.000Z')])
      .when(...erase({}, { now }))
      .then([{ type: 'CandidatePersonalDataErased', data: { candidateId: id, reason: 'request of the data subject (art. 17 GDPR), ticket 4411', beforeRetentionEnd: false } }]);
  });

  it('counts the period from the file\'s last event, not from registration', () => {
    given(erasureDecider, [registered('2020-01-10T09:00:00.000Z'), enrolled('2022-01-10T09:00:00.000Z')]).when(...erase({}, { now })).thenThrows('RETENTION_PERIOD_NOT_OVER');
  });

  it('before the end of the period: refused without the override', () => {
    given(erasureDecider, [registered('2026-01-10T09:00:00.000Z')]).when(...erase({}, { now })).thenThrows('RETENTION_PERIOD_NOT_OVER');
  });

  it('before the end of the period with the override: erased, and recorded as such', () => {
    given(erasureDecider, [registered('2026-01-10T09:00:00.000Z')])
      .when(...erase({ overrideRetention: true }, { now }))
      .thenMatch([{ type: 'CandidatePersonalDataErased', data: { beforeRetentionEnd: true } }]);
  });

  it('with a retention of 0 years, no override is needed', () => {
    given(erasureDecider, [registered('2026-06-15T09:59:00.000Z')]).when(...erase({ retentionYears: 0 }, { now })).thenMatch([{ data: { beforeRetentionEnd: false } }]);
  });

  it('an unknown candidate is a 404, a second erasure a conflict, a blank reason a validation fault', () => {
    given(erasureDecider, []).when(...erase({}, { now })).thenThrows('NOT_FOUND');
    given(erasureDecider, [registered('2010-01-01T00:00:00.000Z'), { type: 'CandidatePersonalDataErased', data: { candidateId: id, reason: 'x', beforeRetentionEnd: false }, recordedAt: '2020-01-01T00:00:00.000Z' }])
      .when(...erase({ overrideRetention: true }, { now }))
      .thenThrows('PERSONAL_DATA_ALREADY_ERASED');
    given(erasureDecider, [registered('2010-01-01T00:00:00.000Z')]).when(...erase({ reason: '   ' }, { now })).thenThrows('VALIDATION_FAILED');
  });

  it('retention end: calendar years in UTC', () => {
    expect(retentionEnd('2021-03-01T12:30:00.000Z', 5)).toBe('2026-03-01T12:30:00.000Z');
    expect(retentionEnd('2024-02-29T00:00:00.000Z', 1)).toBe('2025-03-01T00:00:00.000Z');
  });
});
