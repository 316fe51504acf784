import { ApiError } from '../../api';
import { DECISIONS, identityLine, isApiError, isoToLocal, label, localToIso, qs } from './widgets';

/**
 * The pure helpers the regulator's and back office's screens lean on: the
 * time-travel picker's conversions (a wrong offset would show the wrong
 * past), the query strings of lists and filters, and how an identity reads.
 */
describe('console screens: widgets', () => {
  it('turns a picked local time into the UTC instant the API wants, and back, to the second', () => {
    const iso = '2026-06-15T08:30:05.000Z';
    const local = isoToLocal(iso);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(localToIso(local)).toBe(iso);
    expect(localToIso('')).toBeNull();
    expect(localToIso('not a date')).toBeNull();
  });

  it('builds query strings from the values that are set only, encoded', () => {
    expect(qs({ asOf: null, cursor: undefined, limit: 50, type: '' })).toBe('?limit=50');
    expect(qs({ from: '2026-06-01T00:00:00.000Z', type: 'BlockDecided,CriterionScored' })).toBe('?from=2026-06-01T00%3A00%3A00.000Z&type=BlockDecided%2CCriterionScored');
    expect(qs({})).toBe('');
  });

  it('reads an identity as the API served it: a name, a pseudonym, or an erased file', () => {
    expect(identityLine({ status: 'identified', familyName: 'Lefèvre', givenName: 'Éloïse', usageName: 'Martin' })).toBe('Lefèvre (Martin) Éloïse');
    expect(identityLine({ status: 'pseudonymised', pseudonym: 'C-1234' })).toBe('C-1234');
    expect(identityLine({ status: 'erased', pseudonym: 'C-9', familyName: '[erased]' })).toBe('C-9 (effacé)');
    expect(identityLine(null)).toBe('—');
  });

  it('says the API values in French, and an absent one as asked', () => {
    expect(label(DECISIONS, 'not-validated')).toBe('non validé');
    expect(label(DECISIONS, null, 'non délibéré')).toBe('non délibéré');
    expect(label([['vae', 'VAE']], 'vae')).toBe('VAE');
    expect(label(DECISIONS, 'something-new')).toBe('something-new');
  });

  it('tells an API refusal of a given status from any other error', () => {
    expect(isApiError(new ApiError(412, 'PRECONDITION_FAILED', 'x'), 412)).toBe(true);
    expect(isApiError(new ApiError(400, 'VALIDATION_FAILED', 'x'), 412)).toBe(false);
    expect(isApiError(new Error('x'))).toBe(false);
  });
});
