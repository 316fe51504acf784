import { fold, RecordedEvent } from '../shared/decider';
import { jurySpec } from './jury';
import { recordContent, rollOf, SEAL_FORMAT, SEAL_FORMAT_V1, SEAL_FORMAT_V2 } from './seal';

const ev = (type: string, data: Record<string, unknown>): RecordedEvent => ({ type, data });
const sealed = { alg: 'A256GCM' as const, kid: 'cand-b', iv: 'aXY=', ct: 'Y2lwaGVy', tag: 'dGFn' };
const members = [
  { userId: 'pres', name: 'P', president: true, professional: false },
  { userId: 'pro', name: 'Q', president: false, professional: true },
];

describe('recordContent', () => {
  const events = [
    ev('JuryConvened', { juryId: 'j', sessionId: 's', referentialId: 'r', members }),
    ev('MemberRecused', { juryId: 'j', userId: 'pro', candidateId: 'cand-b', reason: 'voisin' }),
    ev('DeliberationOpened', { juryId: 'j' }),
    ev('CriterionNeutralised', { juryId: 'j', candidateId: 'cand-b', block: 'BC01', criterion: 'CE1.2', opinionId: 'o1' }),
    ev('BlockDecided', { juryId: 'j', candidateId: 'cand-b', block: 'BC02', decision: 'deferred', proposal: 'incomplete', motivation: 'absent' }),
    ev('BlockDecided', { juryId: 'j', candidateId: 'cand-a', block: 'BC01', decision: 'validated', proposal: 'acquired' }),
  ];
  const content = recordContent(fold(jurySpec, events), { id: 'r', code: 'RNCP00000', version: 2 }, { o1: { opinionId: 'o1', criteria: ['CE1.2'], motivation: sealed } }, '2026-06-20T10:00:00.000Z');

  it('covers members, attendance, recusals, neutralisations with their opinion ciphertext, decisions and the closing time', () => {
    expect(content).toEqual({
      format: SEAL_FORMAT,
      juryId: 'j',
      sessionId: 's',
      referential: { id: 'r', code: 'RNCP00000', version: 2 },
      revises: null,
      members,
      attendance: ['pres', 'pro'],
      recusals: [{ userId: 'pro', candidateId: 'cand-b', reason: 'voisin' }],
      neutralisations: [{ candidateId: 'cand-b', block: 'BC01', criterion: 'CE1.2', opinion: { opinionId: 'o1', criteria: ['CE1.2'], motivation: sealed } }],
      decisions: [
        { candidateId: 'cand-a', block: 'BC01', proposal: 'acquired', decision: 'validated', motivation: null },
        { candidateId: 'cand-b', block: 'BC02', proposal: 'incomplete', decision: 'deferred', motivation: 'absent' },
      ],
      designations: [],
      awards: [],
      withdrawals: [],
      // Without the session's enrolments, the roll is what the jury touched.
      roll: [
        { candidateId: 'cand-a', blocks: ['BC01'] },
        { candidateId: 'cand-b', blocks: ['BC02'] },
      ],
      closedAt: '2026-06-20T10:00:00.000Z',
    });
  });

  it('format 3 covers the roll: every enrolled candidate and block, undecided included; leaving one out changes the content', () => {
    const state = fold(jurySpec, events);
    const enrolled = {
      'cand-c': { enrolments: { s: { blocks: ['BC02', 'BC01'] } } },
      'cand-a': { enrolments: { s: { blocks: ['BC01', 'BC02'] } } },
      'cand-x': { enrolments: { other: { blocks: ['BC01'] } } },
    };
    const roll = rollOf(state, enrolled);
    expect(roll).toEqual([
      { candidateId: 'cand-a', blocks: ['BC01', 'BC02'] },
      { candidateId: 'cand-b', blocks: ['BC02'] },
      { candidateId: 'cand-c', blocks: ['BC01', 'BC02'] },
      { candidateId: 'cand-x', blocks: [] },
    ]);
    const opinions = { o1: { opinionId: 'o1', criteria: ['CE1.2'], motivation: sealed } };
    const full = recordContent(state, { id: 'r', code: 'RNCP00000', version: 2 }, opinions, '2026-06-20T10:00:00.000Z', undefined, SEAL_FORMAT, roll);
    const { 'cand-c': _left, ...withoutC } = enrolled;
    const short = recordContent(state, { id: 'r', code: 'RNCP00000', version: 2 }, opinions, '2026-06-20T10:00:00.000Z', undefined, SEAL_FORMAT, rollOf(state, withoutC));
    expect(full.roll!.map((r) => r.candidateId)).toContain('cand-c');
    expect(JSON.stringify(short)).not.toBe(JSON.stringify(full));
    // Formats 1 and 2 never carry a roll.
    expect(recordContent(state, { id: 'r', code: 'RNCP00000', version: 2 }, opinions, '2026-06-20T10:00:00.000Z', undefined, SEAL_FORMAT_V2, roll).roll).toBeUndefined();
  });

  it('covers the awards and withdrawals of the closing, whatever order they come in', () => {
    const award = (candidateId: string) => ({ candidateId, certificationCode: 'RNCP00000', referentialId: 'r', juryId: 'j', blocks: [{ block: 'BC01', juryId: 'j', sessionId: 's' }], awardedOn: '2026-06-20' });
    const withdrawal = { candidateId: 'cand-c', certificationCode: 'RNCP00000', awardEventId: 'e1', juryId: 'j', reason: 'appeal' };
    const state = fold(jurySpec, events);
    const opinions = { o1: { opinionId: 'o1', criteria: ['CE1.2'], motivation: sealed } };
    const one = recordContent(state, { id: 'r', code: 'RNCP00000', version: 2 }, opinions, '2026-06-20T10:00:00.000Z', { awards: [award('cand-b'), award('cand-a')], withdrawals: [withdrawal] });
    const two = recordContent(state, { id: 'r', code: 'RNCP00000', version: 2 }, opinions, '2026-06-20T10:00:00.000Z', { awards: [award('cand-a'), award('cand-b')], withdrawals: [withdrawal] });
    expect(one.awards!.map((a) => a.candidateId)).toEqual(['cand-a', 'cand-b']);
    expect(one.withdrawals).toEqual([withdrawal]);
    expect(JSON.stringify(one)).toBe(JSON.stringify(two));
    expect(JSON.stringify(one)).not.toBe(JSON.stringify(content));
  });

  it('covers the jury’s fraud decisions when it took some (motivation as stored), and a record without any hashes as before', () => {
    expect(content).not.toHaveProperty('fraudDecisions');
    const withFraud = fold(jurySpec, [
      ...events,
      ev('FraudDecided', { juryId: 'j', candidateId: 'cand-a', reportId: 'f1', blocks: ['BC02', 'BC01'], outcome: 'ban', banUntil: '2027-06-15', motivation: sealed }),
    ]);
    const covered = recordContent(withFraud, { id: 'r', code: 'RNCP00000', version: 2 }, { o1: { opinionId: 'o1', criteria: ['CE1.2'], motivation: sealed } }, '2026-06-20T10:00:00.000Z');
    expect(covered.fraudDecisions).toEqual([{ candidateId: 'cand-a', reportId: 'f1', blocks: ['BC01', 'BC02'], outcome: 'ban', banUntil: '2027-06-15', motivation: sealed }]);
    expect({ ...covered, fraudDecisions: undefined }).toEqual({ ...content, fraudDecisions: undefined });
  });

  it('does not depend on the order decisions arrived in', () => {
    const swapped = [...events.slice(0, 4), events[5], events[4]];
    const again = recordContent(fold(jurySpec, swapped), { id: 'r', code: 'RNCP00000', version: 2 }, { o1: { opinionId: 'o1', criteria: ['CE1.2'], motivation: sealed } }, '2026-06-20T10:00:00.000Z');
    expect(JSON.stringify(again)).toBe(JSON.stringify(content));
  });

  it('format 1 (records sealed before awards came with the seal) leaves out designations, awards and withdrawals', () => {
    const v1 = recordContent(fold(jurySpec, events), { id: 'r', code: 'RNCP00000', version: 2 }, { o1: { opinionId: 'o1', criteria: ['CE1.2'], motivation: sealed } }, '2026-06-20T10:00:00.000Z', undefined, SEAL_FORMAT_V1);
    const { designations, awards, withdrawals, roll, format, ...rest } = content;
    expect([designations, awards, withdrawals, roll?.length, format]).toEqual([[], [], [], 2, SEAL_FORMAT]);
    expect(v1).toEqual({ ...rest, format: 'cert-jury-record/1' });
  });
});
