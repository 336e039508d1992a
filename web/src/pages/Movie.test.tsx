import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../App';
import { SessionProvider } from '../lib/session';
import { historyItem, later, mockFetch, movie } from '../test/fetch';

type Answer = { status?: number; body: unknown };

const fargo = movie(271, 'Fargo', 1996, ['Crime']);
const contact = movie(258, 'Contact', 1997, ['Drama']);
const history = { body: { items: [historyItem(1, 7, 271, 'Fargo', 'rating', 4), historyItem(2, 7, 258, 'Contact', 'rating', 2)], total: 2 } };
const similar = (...movies: ReturnType<typeof movie>[]) => ({ body: { model: 'itemknn', version: 'v1', items: movies.map((m) => ({ movie: m, score: 0.5 })) } });

function at(path: string) {
  window.history.replaceState(null, '', path);
  return render(
    <SessionProvider initialUser={7}>
      <App />
    </SessionProvider>,
  );
}

describe('MoviePage', () => {
  it('shows nothing of the previous movie while the next one loads, then names the tab and focuses the heading', async () => {
    const slow = later<Answer>();
    mockFetch(
      (u) => (u.pathname === '/api/users/7/history' ? history : undefined),
      (u) => (u.pathname === '/api/movies/271' ? { body: fargo } : undefined),
      (u) => (u.pathname === '/api/movies/271/similar' ? similar(contact) : undefined),
      (u) => (u.pathname === '/api/movies/258' ? slow.promise : undefined),
      (u) => (u.pathname === '/api/movies/258/similar' ? similar() : undefined),
    );
    const user = userEvent.setup();
    at('/movies/271');
    await screen.findByRole('heading', { level: 1, name: 'Fargo (1996)' });
    await waitFor(() => expect(screen.getByTestId('your-rating').textContent).toBe('4 / 5'));

    await user.click(within(await screen.findByTestId('similar')).getByText('Contact', { selector: '.card-title' }));
    expect(window.location.pathname).toBe('/movies/258');
    // Contact is still loading: no Fargo heading, rating, stars or similar row.
    expect(screen.queryByRole('heading', { level: 1, name: /Fargo/ })).toBeNull();
    expect(screen.queryByRole('group', { name: 'Your rating of Fargo' })).toBeNull();
    expect(screen.queryByTestId('your-rating')).toBeNull();
    expect(screen.queryByTestId('similar')).toBeNull();
    expect(document.title).toBe('Movie Genie');

    slow.resolve({ body: contact });
    const h1 = await screen.findByRole('heading', { level: 1, name: 'Contact (1997)' });
    expect(screen.getByTestId('your-rating').textContent).toBe('2 / 5');
    expect(screen.getByRole('group', { name: 'Your rating of Contact' })).toBeTruthy();
    await waitFor(() => expect(document.title).toBe('Contact (1997) · Movie Genie'));
    expect(document.activeElement).toBe(h1);
  });

  it('names the tab after the movie on a direct link, not "Movie 50"', async () => {
    mockFetch(
      (u) => (u.pathname === '/api/users/7/history' ? history : undefined),
      (u) => (u.pathname === '/api/movies/50' ? { body: movie(50, 'Star Wars', 1977, ['Action']) } : undefined),
      (u) => (u.pathname === '/api/movies/50/similar' ? similar() : undefined),
    );
    at('/movies/50');
    const h1 = await screen.findByRole('heading', { level: 1, name: 'Star Wars (1977)' });
    await waitFor(() => expect(document.title).toBe('Star Wars (1977) · Movie Genie'));
    expect(document.activeElement).toBe(h1);
  });

  it('says "Movie not found", without a retry, for ids the API rejects or does not know', async () => {
    const calls = mockFetch(
      (u) => (u.pathname === '/api/users/7/history' ? history : undefined),
      (u) => (u.pathname === '/api/movies/1234567890' ? { status: 404, body: { title: 'Not Found', status: 404, detail: 'movie 1234567890 not found' } } : undefined),
      (u) => (u.pathname === '/api/movies/5' ? { status: 422, body: { title: 'Unprocessable Entity', status: 422, detail: 'validation failed' } } : undefined),
    );
    for (const path of ['/movies/0', '/movies/99999999999', '/movies/1234567890', '/movies/5']) {
      const { unmount } = at(path);
      const h1 = await screen.findByRole('heading', { level: 1, name: 'Movie not found' });
      expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull();
      expect(screen.queryByRole('heading', { name: 'Page not found' })).toBeNull();
      await waitFor(() => expect(document.title).toBe('Movie not found · Movie Genie'));
      expect(document.activeElement).toBe(h1);
      unmount();
    }
    expect(calls.some((c) => c.url.pathname === '/api/movies/0' || c.url.pathname === '/api/movies/99999999999')).toBe(false);
  });

  it('loads the history again after a failure: when the next movie page opens, and with "Try again"', async () => {
    let historyCalls = 0;
    mockFetch(
      (u) => {
        if (u.pathname !== '/api/users/7/history') return undefined;
        historyCalls++;
        return historyCalls < 3 ? { status: 500, body: { title: 'Internal Server Error', status: 500, detail: 'database is busy' } } : history;
      },
      (u) => (u.pathname === '/api/movies/271' ? { body: fargo } : undefined),
      (u) => (u.pathname === '/api/movies/271/similar' ? similar(contact) : undefined),
      (u) => (u.pathname === '/api/movies/258' ? { body: contact } : undefined),
      (u) => (u.pathname === '/api/movies/258/similar' ? similar(fargo) : undefined),
    );
    const user = userEvent.setup();
    at('/movies/271');
    await waitFor(() => expect(screen.getByTestId('your-rating').textContent).toContain('could not load your history'));
    expect(historyCalls).toBe(1);

    // opening another movie tries again by itself (and fails again)
    await user.click(within(await screen.findByTestId('similar')).getByText('Contact', { selector: '.card-title' }));
    await screen.findByRole('heading', { level: 1, name: 'Contact (1997)' });
    await waitFor(() => expect(historyCalls).toBe(2));
    await waitFor(() => expect(screen.getByTestId('your-rating').textContent).toContain('could not load your history'));

    // "Try again" by hand
    await user.click(within(screen.getByTestId('your-rating')).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(screen.getByTestId('your-rating').textContent).toBe('2 / 5'));
    expect(historyCalls).toBe(3);
  });
});
