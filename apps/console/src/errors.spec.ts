import { ERROR_CODES } from '../../../libs/domain/src/shared/error-codes';
import { ApiError } from './api';
import { FRENCH_MESSAGES, fieldErrors, frenchMessage } from './errors';

describe('the console speaks the API\'s errors in French', () => {
  it('has a French sentence for every code the API answers', () => {
    const missing = Object.keys(ERROR_CODES).filter((code) => !FRENCH_MESSAGES[code]);
    expect(missing).toEqual([]);
  });

  it('says "changed meanwhile, reload" for a 412 and a concurrency conflict', () => {
    const text = 'Modifié entre-temps : rechargez la page avant de recommencer';
    expect(frenchMessage(new ApiError(412, 'PRECONDITION_FAILED', 'If-Match does not match'))).toBe(text);
    expect(frenchMessage(new ApiError(409, 'CONCURRENCY_CONFLICT', 'lost the race'))).toBe(text);
  });

  it('puts a 422 rule next to the field it is about', () => {
    expect(fieldErrors(new ApiError(422, 'MOTIVATION_REQUIRED', 'x'))).toEqual({ motivation: FRENCH_MESSAGES.MOTIVATION_REQUIRED });
    expect(fieldErrors(new ApiError(422, 'SCORES_INCOMPLETE', 'x'))).toEqual({ decision: FRENCH_MESSAGES.SCORES_INCOMPLETE });
    expect(fieldErrors(new ApiError(422, 'UNKNOWN_BLOCK', 'x'))).toEqual({ _: FRENCH_MESSAGES.UNKNOWN_BLOCK });
  });

  it('puts validation details next to their fields, in French', () => {
    const error = new ApiError(400, 'VALIDATION_FAILED', 'x', [
      { path: 'motivation', message: 'motivation must be shorter than or equal to 4000 characters' },
      { path: 'extra', message: 'property extra should not exist' },
    ]);
    expect(fieldErrors(error)).toEqual({ motivation: 'Trop long (au plus 4000 caractères).', extra: 'Champ inconnu.' });
    expect(fieldErrors(new ApiError(403, 'FORBIDDEN', 'x'))).toEqual({});
  });
});
