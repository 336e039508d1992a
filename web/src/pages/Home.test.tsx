import { describe, expect, it } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SessionProvider } from '../lib/session';
import { Home, whyLine } from './Home';
import { mockFetch, movie } from '../test/fetch';

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
});
