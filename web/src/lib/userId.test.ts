import { describe, expect, it } from 'vitest';
import { parseUserID } from './userId';

describe('parseUserID', () => {
  it('accepts whole numbers, trimming spaces', () => {
    expect(parseUserID('42')).toEqual({ id: 42 });
    expect(parseUserID('  7 ')).toEqual({ id: 7 });
  });
  it.each([
    ['', 'Enter a user id.'],
    ['abc', 'A user id is a whole number, such as 42.'],
    ['4.5', 'A user id is a whole number, such as 42.'],
    ['-3', 'A user id is a whole number, such as 42.'],
    ['0', 'User ids start at 1.'],
    ['99999999999', 'That number is too large to be a user id.'],
  ])('rejects %j', (input, error) => {
    expect(parseUserID(input)).toEqual({ error });
  });
});
