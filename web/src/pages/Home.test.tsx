import { describe, expect, it } from 'vitest';
import { App } from '../App';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SessionProvider } from '../lib/session';
import { Home, latestPerMovie, whyLine } from './Home';
import { historyItem, later, mockFetch, movie, profileOf } from '../test/fetch';

describe('whyLine', () => {
  it('names up to two distinct movies the recommendations come from', () => {
    const fargo = movie(100, 'Fargo');
    const gf = movie(127, 'Godfather, The');
    expect(whyLine([{ movie: movie(1, 'A'), score: 1, because: fargo }, { movie: movie(2, 'B'), score: 1, because: fargo }, { movie: movie(3, 'C'), score: 1, because: gf }])).toBe(
      'because you watched Fargo and The Godfather',
    );
    expect(whyLine([{ movie: movie(1, 'A'), score: 1 }])).toBeNull();
    expect(whyLine(null)).toBeNull();
  });
});

describe('Home', () => {
  it('refreshes the recommendations after a dislike, without a reload', async () => {
    let disliked = false;
    const calls = mockFetch(
      (u) => (u.pathname === '/api/users/7' ? { body: { user: { id: 7, source: 'dataset' }, stats: { interactions: 1, ratings: 1, likes: 0, dislikes: 0, watched: 0, rating_mean: 5, rating_std: 0 }, top_genres: [{ genre: 'Crime', count: 1 }] } } : undefined),
      (u) => (u.pathname === '/api/users/7/history' ? { body: { items: [{ id: 1, user_id: 7, movie_id: 100, kind: 'rating', value: 5, time: '1998-03-25T00:00:00Z', source: 'dataset', title: 'Fargo', year: 1996 }], total: 1 } } : undefined),
      (u) =>
        u.pathname === '/api/users/7/recommendations'
          ? { body: { model: 'markov_itemknn_recent', version: 'v1', items: (disliked ? [] : [{ movie: movie(5, 'Blood Simple', 1984, ['Crime']), score: 1, because: movie(100, 'Fargo', 1996) }]).concat([{ movie: movie(6, 'Raising Arizona'), score: 0.5, because: movie(100, 'Fargo', 1996) }]) } }
          : undefined,
      (u) => (u.pathname === '/api/users/7/because' ? { body: { because: movie(100, 'Fargo', 1996), model: 'itemknn', version: 'v1', items: [{ movie: movie(8, 'Miller’s Crossing'), score: 0.3 }] } } : undefined),
      (u) => (u.pathname === '/api/popular' ? { body: { model: 'popularity', version: 'live', items: [{ movie: movie(50, 'Star Wars', 1977, ['Action']), score: 1 }] } } : undefined),
      (u, init) => {
        if (u.pathname !== '/api/feedback') return undefined;
        disliked = JSON.parse(String(init?.body)).kind === 'dislike';
        return { status: 201, body: { id: 2, user_id: 7, movie_id: 5, kind: 'dislike', time: '2026-01-01T00:00:00Z', source: 'app' } };
      },
    );
    const user = userEvent.setup();
    render(
      <SessionProvider initialUser={7}>
        <Home userId={7} />
      </SessionProvider>,
    );
    const rec = await screen.findByTestId('recommended');
    await within(rec).findAllByText('Blood Simple');
    expect(within(rec).getByTestId('model-name').textContent).toBe('markov_itemknn_recent');
    expect(rec.textContent).toContain('because you watched Fargo');
    expect(within(rec).getAllByText('Because you watched Fargo')).toHaveLength(2);
    expect(await screen.findByRole('heading', { name: 'Because you watched Fargo' })).toBeTruthy();
    expect(await screen.findByRole('heading', { name: 'Popular in Crime' })).toBeTruthy();
    expect(await screen.findByRole('heading', { name: 'Your history' })).toBeTruthy();

    await user.click(within(rec).getByRole('button', { name: 'Dislike Blood Simple' }));
    await waitFor(() => expect(within(screen.getByTestId('recommended')).queryAllByText('Blood Simple')).toHaveLength(0));
    const fb = calls.find((c) => c.url.pathname === '/api/feedback')!;
    expect(JSON.parse(String(fb.init?.body))).toEqual({ user_id: 7, movie_id: 5, kind: 'dislike' });
  });

  it('shows a failed reload next to the list it keeps, after a like', async () => {
    let liked = false;
    const fail = { status: 500, body: { title: 'Internal Server Error', status: 500, detail: 'database is locked' } };
    mockFetch(
      (u) => (u.pathname === '/api/users/7' ? (liked ? fail : { body: profileOf(7) }) : undefined),
      (u) => (u.pathname === '/api/users/7/history' ? (liked ? fail : { body: { items: [historyItem(1, 7, 100, 'Fargo', 'rating', 5)], total: 1 } }) : undefined),
      (u) => (u.pathname === '/api/users/7/recommendations' ? { body: { model: 'm', version: 'v1', items: [{ movie: movie(5, 'Blood Simple'), score: 1 }] } } : undefined),
      (u) => (u.pathname === '/api/users/7/because' ? (liked ? fail : { body: { because: movie(100, 'Fargo', 1996), model: 'itemknn', version: 'v1', items: [{ movie: movie(8, 'Miller’s Crossing'), score: 0.3 }] } }) : undefined),
      (u) => (u.pathname === '/api/popular' ? { body: { model: 'popularity', version: 'live', items: [] } } : undefined),
      (u) => {
        if (u.pathname !== '/api/feedback') return undefined;
        liked = true;
        return { status: 201, body: { id: 2, user_id: 7, movie_id: 5, kind: 'like', time: '2026-01-01T00:00:00Z', source: 'app' } };
      },
    );
    const user = userEvent.setup();
    render(
      <SessionProvider initialUser={7}>
        <Home userId={7} />
      </SessionProvider>,
    );
    const rec = await screen.findByTestId('recommended');
    await screen.findByTestId('history');
    await screen.findByText('Miller’s Crossing', { selector: '.card-title' });
    expect(screen.queryAllByRole('alert')).toHaveLength(0);

    await user.click(within(rec).getByRole('button', { name: 'Like Blood Simple' }));
    await waitFor(() => expect(screen.getAllByRole('alert').length).toBeGreaterThanOrEqual(3));
    const alerts = screen.getAllByRole('alert').map((a) => a.textContent ?? '');
    for (const what of ['your profile', 'movies like your latest favourite', 'your history']) {
      expect(alerts.some((a) => a.includes(`Could not update ${what}; showing the previous version.`) && a.includes('database is locked'))).toBe(true);
    }
    // the kept lists are still there
    expect(screen.getByTestId('profile-line')).toBeTruthy();
    expect(screen.getByText('Miller’s Crossing', { selector: '.card-title' })).toBeTruthy();
    expect(within(screen.getByTestId('history')).getByText('Fargo', { selector: '.card-title' })).toBeTruthy();
  });

  it('does not send a like again for a movie shown, already liked, in two carousels', async () => {
    const slow = later<{ status?: number; body: unknown }>();
    const calls = mockFetch(
      (u) => (u.pathname === '/api/users/7' ? { body: profileOf(7) } : undefined),
      (u) => (u.pathname === '/api/users/7/history' ? { body: { items: [historyItem(1, 7, 100, 'Fargo', 'rating', 5)], total: 1 } } : undefined),
      (u) => (u.pathname === '/api/users/7/recommendations' ? { body: { model: 'm', version: 'v1', items: [{ movie: movie(5, 'Blood Simple'), score: 1 }] } } : undefined),
      (u) => (u.pathname === '/api/users/7/because' ? { body: { because: movie(100, 'Fargo', 1996), model: 'itemknn', version: 'v1', items: [{ movie: movie(5, 'Blood Simple'), score: 0.3 }] } } : undefined),
      (u) => (u.pathname === '/api/popular' ? { body: { model: 'popularity', version: 'live', items: [] } } : undefined),
      (u) => (u.pathname === '/api/feedback' ? slow.promise : undefined),
    );
    const user = userEvent.setup();
    render(
      <SessionProvider initialUser={7}>
        <App />
      </SessionProvider>,
    );
    const rec = await screen.findByTestId('recommended');
    const because = await screen.findByTestId('because');
    await within(because).findByRole('button', { name: 'Like Blood Simple' });
    await user.click(within(rec).getByRole('button', { name: 'Like Blood Simple' }));
    // while the like is being sent, the other card of the movie waits too
    expect((within(because).getByRole('button', { name: 'Like Blood Simple' }) as HTMLButtonElement).disabled).toBe(true);
    slow.resolve({ status: 201, body: { id: 2, user_id: 7, movie_id: 5, kind: 'like', time: '2026-01-01T00:00:00Z', source: 'app' } });
    await waitFor(() => expect(within(screen.getByTestId('because')).getByRole('button', { name: 'Like Blood Simple' }).getAttribute('aria-pressed')).toBe('true'));
    await waitFor(() => expect(screen.getByTestId('toast-status').textContent).toBe('Liked Blood Simple. Your recommendations are updated.'));

    await user.click(within(screen.getByTestId('because')).getByRole('button', { name: 'Like Blood Simple' }));
    await user.click(within(screen.getByTestId('recommended')).getByRole('button', { name: 'Like Blood Simple' }));
    await waitFor(() => expect(screen.getByTestId('toast-status').textContent).toBe('You already liked Blood Simple.'));
    expect(calls.filter((c) => c.url.pathname === '/api/feedback')).toHaveLength(1);
  });

  it('counts and shows each movie once, at its latest interaction', async () => {
    // Star Wars rated 5, then 3: three rating events, two movies
    const items = [historyItem(3, 7, 50, 'Star Wars', 'rating', 3, '2026-01-02T00:00:00Z'), historyItem(2, 7, 100, 'Fargo', 'rating', 4, '2026-01-01T00:00:00Z'), historyItem(1, 7, 50, 'Star Wars', 'rating', 5, '1998-03-25T00:00:00Z')];
    mockFetch(
      (u) => (u.pathname === '/api/users/7' ? { body: profileOf(7, { interactions: 3, ratings: 3, rating_mean: 4 }) } : undefined),
      (u) => (u.pathname === '/api/users/7/history' ? { body: { items, total: 3 } } : undefined),
      (u) => (u.pathname === '/api/users/7/recommendations' ? { body: { model: 'm', version: 'v1', items: [] } } : undefined),
      (u) => (u.pathname === '/api/users/7/because' ? { body: { because: null, model: 'itemknn', version: 'v1', items: [] } } : undefined),
      (u) => (u.pathname === '/api/popular' ? { body: { model: 'popularity', version: 'live', items: [] } } : undefined),
    );
    render(
      <SessionProvider initialUser={7}>
        <Home userId={7} />
      </SessionProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('profile-line').textContent).toContain('2 movies in your history, 2 rated (average 3.5★)'));
    const history = await screen.findByTestId('history');
    await waitFor(() => expect(within(history).getByText('2 movies, newest first')).toBeTruthy());
    const cards = within(history).getAllByRole('article');
    expect(cards.map((c) => c.querySelector('.card-title')?.textContent)).toEqual(['Star Wars', 'Fargo']);
    expect(cards[0].textContent).toContain('You rated it 3/5');
    expect(cards[0].querySelector('.card-rating')?.getAttribute('aria-label')).toBe('You rated it 3 out of 5');
  });
});

describe('latestPerMovie', () => {
  it('keeps the newest interaction of each movie, up to a limit', () => {
    const h = [historyItem(4, 7, 1, 'A', 'like'), historyItem(3, 7, 2, 'B', 'rating', 2), historyItem(2, 7, 1, 'A', 'rating', 5), historyItem(1, 7, 3, 'C', 'watched')];
    expect(latestPerMovie(h).map((i) => i.id)).toEqual([4, 3, 1]);
    expect(latestPerMovie(h, 2).map((i) => i.id)).toEqual([4, 3]);
    expect(latestPerMovie(null)).toEqual([]);
  });
});
