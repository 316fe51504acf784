import { DomainError } from '@app/domain/shared/errors';
import { decodeCursor, encodeCursor, pageLimit, pageOf } from './pagination';

describe('list pagination', () => {
  it('gives back the key a cursor was made from', () => {
    const key = ['Martin', 'Élodie', '7f1c'];
    expect(decodeCursor(encodeCursor(key), 3)).toEqual(key);
  });

  it('refuses a cursor it did not give', () => {
    for (const bad of ['abc', encodeCursor(['a']), Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1,2]').toString('base64url')]) {
      expect(() => decodeCursor(bad, 2)).toThrow(DomainError);
    }
  });

  it('ends with next null and continues after the last item otherwise', () => {
    const rows = [{ k: 'a' }, { k: 'b' }, { k: 'c' }];
    const first = pageOf(rows, 2, (r) => [r.k]);
    expect(first.items).toEqual([{ k: 'a' }, { k: 'b' }]);
    expect(decodeCursor(first.next!, 1)).toEqual(['b']);
    expect(pageOf(rows, 3, (r) => [r.k])).toEqual({ items: rows, next: null });
  });

  it('reads the limit or the default', () => {
    expect(pageLimit({ limit: '200' })).toBe(200);
    expect(pageLimit({})).toBe(50);
  });
});
