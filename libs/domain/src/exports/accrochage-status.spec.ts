import { awardsToDeclare, foldAccrochage as foldWith, InputEvent, statusLines, undeclaredAwards, withdrawalsToDeclare } from './accrochage-status';

/** Most tests here are about the CDC's answers: the president's approval of the record is beside the point (its own test below). */
const foldAccrochage = (events: InputEvent[]) => foldWith(events, { approvalRequired: false });

let n = 0;
const ev = (type: string, streamId: string, data: any, eventId = `e${++n}`): InputEvent => ({ type, eventId, streamId, data, recordedAt: '2025-04-01T10:00:00.000Z' });
const closed = (juryId: string) => ev('DeliberationClosed', `jury-${juryId}`, { juryId });
const awarded = (id: string, juryId: string, awardedOn = '2025-03-14') => ev('CertificationAwarded', 'candidate-c1', { candidateId: 'c1', certificationCode: 'RNCP38000', awardedOn, juryId }, id);
const sent = (fluxId: string, ids: string[], action = 'CREATION') => ev('AccrochageFluxSent', `accrochage-${fluxId}`, { fluxId, action, passages: ids.map((idTechnique) => ({ idTechnique, candidateId: 'c1', certificationCode: 'RNCP38000' })) });
const reported = (fluxId: string | null, results: Array<[string, 'accepted' | 'rejected', string?]>, sha = `r${++n}`) =>
  ev('AccrochageReportImported', 'accrochage-report-x', { reportId: sha, fluxId, sha256: sha, results: results.map(([idTechnique, status, reason]) => ({ idTechnique, status, reason: reason ?? null })), unmatched: [] });
const withdrawn = (awardEventId: string) => ev('CertificationWithdrawn', 'candidate-c1', { candidateId: 'c1', certificationCode: 'RNCP38000', awardEventId, juryId: 'j9', reason: 'r' });
const period = { from: '2025-01-01', to: '2025-12-31' };
const declare = (events: InputEvent[]) => awardsToDeclare(foldAccrochage(events), period).map((a) => a.awardEventId);

describe('accrochage status fold', () => {
  it('with RECORD_APPROVAL_REQUIRED, declares an award once the jury president approved the sealed record', () => {
    const approved = (juryId: string, president: boolean) => ev('RecordApproved', `jury-${juryId}`, { juryId, memberId: president ? 'pres' : 'pro', sealHash: 'h', president, at: '2025-04-02T08:00:00.000Z' });
    const required = (events: InputEvent[]) => foldWith(events);
    const sealedOnly = required([closed('j1'), awarded('a1', 'j1')]);
    expect(awardsToDeclare(sealedOnly, period)).toEqual([]);
    expect(statusLines(sealedOnly, period, '2025-04-03')[0]).toMatchObject({ awardEventId: 'a1', status: 'awaiting-approval' });
    expect(undeclaredAwards(sealedOnly, period).map((a) => a.awardEventId)).toEqual(['a1']); // the deadline runs from the award: still warned about
    // A member's approval is not the president's.
    expect(awardsToDeclare(required([closed('j1'), awarded('a1', 'j1'), approved('j1', false)]), period)).toEqual([]);
    const final = required([closed('j1'), awarded('a1', 'j1'), approved('j1', false), approved('j1', true), closed('j2'), awarded('a2', 'j2')]);
    expect(awardsToDeclare(final, period).map((a) => a.awardEventId)).toEqual(['a1']);
    expect(statusLines(final, period, '2025-04-03').map((l) => l.status)).toEqual(['pending', 'awaiting-approval']);
    // Off: final from the seal on.
    expect(awardsToDeclare(foldWith([closed('j1'), awarded('a1', 'j1')], { approvalRequired: false }), period).map((a) => a.awardEventId)).toEqual(['a1']);
  });

  it('declares only awards of sealed deliberations, whichever comes first in the log', () => {
    expect(declare([awarded('a1', 'j1')])).toEqual([]);
    expect(declare([awarded('a1', 'j1'), closed('j1')])).toEqual(['a1']);
    expect(declare([closed('j1'), awarded('a1', 'j1'), awarded('a2', 'j2')])).toEqual(['a1']);
    expect(declare([closed('j1'), awarded('a1', 'j1', '2024-12-31')])).toEqual([]); // outside the period
  });

  it('sends rejected passages again and accepted or unanswered ones never', () => {
    const base = [closed('j1'), awarded('a1', 'j1'), awarded('a2', 'j1'), sent('f1', ['a1', 'a2'])];
    expect(declare(base)).toEqual([]);
    expect(awardsToDeclare(foldAccrochage(base), period, true).map((a) => a.awardEventId)).toEqual(['a1', 'a2']); // includeExported
    const answered = [...base, reported('f1', [['a1', 'accepted'], ['a2', 'rejected', 'nom différent']])];
    expect(declare(answered)).toEqual(['a2']);
    expect(awardsToDeclare(foldAccrochage(answered), period, true).map((a) => a.awardEventId)).toEqual(['a2']); // accepted: never, even when asked
    const state = foldAccrochage([...answered, sent('f2', ['a2'])]);
    expect(state.awards.get('a2')).toMatchObject({ status: 'declared', reason: null, sends: 2, lastFluxId: 'f2' });
    expect(declare([...answered, sent('f2', ['a2']), reported('f2', [['a2', 'accepted']])])).toEqual([]);
  });

  it('a withdrawal is declared only when the CDC holds (or may hold) the award', () => {
    const never = foldAccrochage([closed('j1'), awarded('a1', 'j1'), withdrawn('a1')]);
    expect(awardsToDeclare(never, period)).toEqual([]);
    expect(withdrawalsToDeclare(never)).toEqual([]);
    const held = foldAccrochage([closed('j1'), awarded('a1', 'j1'), sent('f1', ['a1']), reported('f1', [['a1', 'accepted']]), withdrawn('a1')]);
    expect(withdrawalsToDeclare(held).map((a) => a.awardEventId)).toEqual(['a1']);
    const deleted = foldAccrochage([closed('j1'), awarded('a1', 'j1'), sent('f1', ['a1']), withdrawn('a1'), sent('f2', ['a1'], 'SUPPRESSION')]);
    expect(withdrawalsToDeclare(deleted)).toEqual([]);
    expect(deleted.awards.get('a1')!.withdrawal).toEqual({ status: 'declared', reason: null });
    // The deletion's own report is read against the deletion flux, not the creation.
    const refused = foldAccrochage([closed('j1'), awarded('a1', 'j1'), sent('f1', ['a1']), withdrawn('a1'), sent('f2', ['a1'], 'SUPPRESSION'), reported('f2', [['a1', 'rejected', 'inconnu']])]);
    expect(refused.awards.get('a1')).toMatchObject({ status: 'declared', withdrawal: { status: 'rejected', reason: 'inconnu' } });
    expect(withdrawalsToDeclare(refused).map((a) => a.awardEventId)).toEqual(['a1']);
    // Done by hand on the portal (a schema without deletions): nothing left to declare.
    const byHand = foldAccrochage([closed('j1'), awarded('a1', 'j1'), sent('f1', ['a1']), withdrawn('a1'), ev('AccrochageWithdrawnByHand', 'accrochage-manual-a1', { awardEventId: 'a1', candidateId: 'c1' })]);
    expect(withdrawalsToDeclare(byHand)).toEqual([]);
    expect(byHand.awards.get('a1')!.withdrawal).toEqual({ status: 'accepted', reason: null, byHand: true });
    // Withdrawn while the creation was unanswered, then the CDC rejected it: nothing there to withdraw.
    const gone = foldAccrochage([closed('j1'), awarded('a1', 'j1'), sent('f1', ['a1']), withdrawn('a1'), reported('f1', [['a1', 'rejected', 'x']])]);
    expect(withdrawalsToDeclare(gone)).toEqual([]);
  });

  it('lists every award with its status and the days left before the deadline', () => {
    const state = foldAccrochage([closed('j1'), awarded('a1', 'j1', '2025-03-14'), awarded('a2', 'j2', '2025-03-20'), sent('f1', ['a1']), reported(null, [['a1', 'rejected', 'date']])]);
    expect(statusLines(state, period, '2025-06-04')).toEqual([
      expect.objectContaining({ awardEventId: 'a1', status: 'rejected', reason: 'date', deadline: '2025-06-14', daysLeft: 10, fluxId: 'f1' }),
      expect.objectContaining({ awardEventId: 'a2', status: 'not-sealed', deadline: '2025-06-20', daysLeft: 16 }),
    ]);
  });
});
