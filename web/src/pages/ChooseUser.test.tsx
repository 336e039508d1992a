import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SessionProvider } from '../lib/session';
import { ChooseUser } from './ChooseUser';
import { mockFetch } from '../test/fetch';

const profile = (id: number) => ({ user: { id, source: 'dataset' }, stats: { interactions: 3, ratings: 3, likes: 0, dislikes: 0, watched: 0, rating_mean: 4, rating_std: 0 }, top_genres: [] });

function setup() {
  const calls = mockFetch(
    (u) => (u.pathname === '/api/users' ? { body: { users: [5, 17, 301], total: 3 } } : undefined),
    (u) => (u.pathname === '/api/users/17' ? { body: profile(17) } : undefined),
    (u) => (u.pathname === '/api/users/999' ? { status: 404, body: { title: 'Not Found', status: 404, detail: 'user not found' } } : undefined),
    (u) => (u.pathname.startsWith('/api/users/17/history') ? { body: { items: [], total: 0 } } : undefined),
  );
  render(
    <SessionProvider initialUser={null}>
      <ChooseUser />
    </SessionProvider>,
  );
  return calls;
}

describe('ChooseUser', () => {
  it('validates the id before asking the server', async () => {
    const calls = setup();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('MovieLens user id'), 'x1{Enter}');
    expect(screen.getByRole('alert').textContent).toContain('whole number');
    expect(calls.some((c) => c.url.pathname === '/api/users/x1')).toBe(false);
  });

  it('says when a user does not exist', async () => {
    setup();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('MovieLens user id'), '999{Enter}');
    expect((await screen.findByRole('alert')).textContent).toContain('There is no user 999');
    expect(window.localStorage.getItem('moviegenie.user')).toBeNull();
  });

  it('offers sampled users and remembers the one picked', async () => {
    setup();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'User 17' }));
    await screen.findByRole('button', { name: 'User 17' });
    await new Promise((r) => setTimeout(r, 0));
    expect(window.localStorage.getItem('moviegenie.user')).toBe('17');
    expect(window.location.pathname).toBe('/');
  });

  it('shows why sampled users could not be loaded, with a retry', async () => {
    mockFetch(() => ({ status: 503, body: { title: 'Service Unavailable', status: 503, detail: 'database not ready' } }));
    render(
      <SessionProvider initialUser={null}>
        <ChooseUser />
      </SessionProvider>,
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load users.');
    expect(alert.textContent).toContain('Service Unavailable (HTTP 503): database not ready');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});
