import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from './App';
import { SessionProvider } from './lib/session';
import { historyItem, mockFetch, movie, profileOf } from './test/fetch';

function home() {
  return mockFetch(
    (u) => (u.pathname === '/api/users/7' ? { body: profileOf(7) } : undefined),
    (u) => (u.pathname === '/api/users/7/history' ? { body: { items: [historyItem(1, 7, 100, 'Fargo', 'rating', 5)], total: 1 } } : undefined),
    (u) => (u.pathname === '/api/users/7/recommendations' ? { body: { model: 'm', version: 'v1', items: [{ movie: movie(5, 'Blood Simple'), score: 1 }] } } : undefined),
    (u) => (u.pathname === '/api/users/7/because' ? { body: { because: null, model: 'itemknn', version: 'v1', items: [] } } : undefined),
    (u) => (u.pathname === '/api/popular' ? { body: { model: 'popularity', version: 'live', items: [] } } : undefined),
    (u) => (u.pathname === '/api/users' ? { body: { users: [5, 17], total: 2 } } : undefined),
    (u, init) => {
      if (u.pathname !== '/api/feedback') return undefined;
      const kind = JSON.parse(String(init?.body)).kind;
      return kind === 'dislike' ? { status: 503, body: { title: 'Service Unavailable', status: 503, detail: 'database not ready' } } : { status: 201, body: { id: 2, user_id: 7, movie_id: 5, kind, time: '2026-01-01T00:00:00Z', source: 'app' } };
    },
  );
}

describe('App', () => {
  it('"Change user" keeps the user until another is chosen, so Back returns to them', async () => {
    window.localStorage.setItem('moviegenie.user', '7');
    home();
    const user = userEvent.setup();
    render(
      <SessionProvider>
        <App />
      </SessionProvider>,
    );
    await screen.findByRole('heading', { level: 1, name: 'Welcome, User 7' });
    await user.click(screen.getByRole('button', { name: 'Change user' }));
    await screen.findByRole('heading', { level: 1, name: 'Who is watching?' });
    expect(window.location.pathname).toBe('/users');
    expect(window.localStorage.getItem('moviegenie.user')).toBe('7');
    expect(screen.getByRole('link', { name: 'Continue as User 7' })).toBeTruthy();

    window.history.back();
    await screen.findByRole('heading', { level: 1, name: 'Welcome, User 7' });
    expect(window.location.pathname).toBe('/');
  });

  it('announces successes and errors in two live regions whose roles never change', async () => {
    home();
    const user = userEvent.setup();
    render(
      <SessionProvider initialUser={7}>
        <App />
      </SessionProvider>,
    );
    const rec = await screen.findByTestId('recommended');
    const status = screen.getByTestId('toast-status');
    const alert = screen.getByTestId('toast-alert');
    await user.click(within(rec).getByRole('button', { name: 'Like Blood Simple' }));
    await waitFor(() => expect(status.textContent).toBe('Liked Blood Simple. Your recommendations are updated.'));
    expect(alert.textContent).toBe('');
    await user.click(within(screen.getByTestId('recommended')).getByRole('button', { name: 'Dislike Blood Simple' }));
    await waitFor(() => expect(alert.textContent).toContain('Could not save your dislike for Blood Simple'));
    expect(status.textContent).toBe('');
    expect(screen.getByTestId('toast-status')).toBe(status);
    expect(status.getAttribute('role')).toBe('status');
    expect(alert.getAttribute('role')).toBe('alert');
  });
});
