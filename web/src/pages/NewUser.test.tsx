import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SessionProvider } from '../lib/session';
import { NewUser } from './NewUser';
import { mockFetch, movie } from '../test/fetch';

function setup() {
  const calls = mockFetch((u) => (u.pathname === '/api/popular' ? { body: { model: 'popularity', version: 'live', items: [movie(50, 'Star Wars', 1977), movie(100, 'Fargo', 1996)].map((m) => ({ movie: m, score: 1 })) } } : undefined));
  render(
    <SessionProvider initialUser={null}>
      <NewUser />
    </SessionProvider>,
  );
  return calls;
}

describe('NewUser', () => {
  it('clears a rating when its chosen star is chosen again', async () => {
    setup();
    const user = userEvent.setup();
    const stars = await screen.findByRole('group', { name: 'Rate Star Wars' });
    await user.click(within(stars).getByLabelText('4 stars'));
    expect(screen.getByText(/1 of 3 rated/)).toBeTruthy();
    expect((within(stars).getByLabelText('4 stars') as HTMLInputElement).checked).toBe(true);
    await user.click(within(stars).getByLabelText('4 stars'));
    expect(screen.getByText(/0 of 3 rated/)).toBeTruthy();
    expect(within(stars).getAllByRole('radio').some((r) => (r as HTMLInputElement).checked)).toBe(false);
  });

  it('takes digits only for the age', async () => {
    setup();
    const user = userEvent.setup();
    const age = screen.getByLabelText('Age');
    for (const bad of ['1e2', '0x10', '12.0', '0', '121', '-5']) {
      await user.clear(age);
      await user.type(age, bad);
      expect(screen.getByRole('alert').textContent, bad).toBe('Age is a whole number from 1 to 120.');
    }
    await user.clear(age);
    await user.type(age, '34');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
