/** parseUserID validates a typed user id: a whole number from 1 to 2^31-1. */
export function parseUserID(input: string): { id: number } | { error: string } {
  const s = input.trim();
  if (s === '') return { error: 'Enter a user id.' };
  if (!/^\d+$/.test(s)) return { error: 'A user id is a whole number, such as 42.' };
  const n = Number(s);
  if (n < 1) return { error: 'User ids start at 1.' };
  if (n > 2147483647) return { error: 'That number is too large to be a user id.' };
  return { id: n };
}
