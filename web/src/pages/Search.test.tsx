import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SessionProvider } from '../lib/session';
import { cutQuery, SearchPage, uniqueNotes } from './Search';
import { navigate } from '../lib/router';
import { mockFetch } from '../test/fetch';

describe('SearchPage', () => {
  it('shows the parsed filters as chips and each result with its reasons', async () => {
    const calls = mockFetch(
      (u) => (u.pathname.endsWith('/history') ? { body: { items: [], total: 0 } } : undefined),
      (u) =>
        u.pathname === '/api/search'
          ? {
              body: {
                query: { raw: '90s comedy', terms: null, genres: ['Comedy'], constraints_only: true, year_min: 1990, year_max: 1999, filters: [{ kind: 'years', value: '1990-1999', source: '90s' }, { kind: 'genre', value: 'Comedy', source: 'comedy' }] },
                mode: 'fused',
                hits: [
                  { movie_id: 1, title: 'Toy Story', year: 1995, genres: ['Animation', 'Comedy'], score: 0.2, why: { genres: ['Comedy'] } },
                  { movie_id: 269, title: 'Full Monty, The', year: 1997, genres: ['Comedy'], score: 0.1, why: { genres: ['Comedy'], personal: 0.7 } },
                ],
              },
            }
          : undefined,
    );
    render(
      <SessionProvider initialUser={7}>
        <SearchPage q="90s comedy" />
      </SessionProvider>,
    );
    const results = await screen.findByRole('list', { name: 'Search results' });
    const chips = screen.getByRole('list', { name: 'Filters read from your search' });
    expect(within(chips).getAllByRole('listitem').map((c) => c.textContent)).toEqual(['Years: 1990–1999 from “90s”', 'Genre: Comedy from “comedy”']);
    expect(within(results).getAllByRole('article')).toHaveLength(2);
    const why = screen.getByRole('list', { name: 'Why The Full Monty matched' });
    expect(within(why).getAllByRole('listitem').map((l) => l.textContent)).toEqual(['Genre: Comedy', 'Released 1997, within 1990–1999', 'Ranked for you: model score 0.70']);
    expect(screen.getByRole('status').textContent).toContain('2 movies match “90s comedy”');
    const search = calls.find((c) => c.url.pathname === '/api/search')!;
    expect(search.url.searchParams.get('user_id')).toBe('7');
  });

  it('says what went wrong instead of showing results', async () => {
    mockFetch((u) => (u.pathname === '/api/search' ? { status: 503, body: { title: 'Service Unavailable', status: 503, detail: 'search index not loaded: run genie repro setup_semantic_search' } } : undefined));
    render(
      <SessionProvider initialUser={null}>
        <SearchPage q="fargo" />
      </SessionProvider>,
    );
    expect((await screen.findByRole('alert')).textContent).toContain('search index not loaded');
    expect(screen.queryByRole('list', { name: 'Search results' })).toBeNull();
  });

  it('shows each note once', async () => {
    const note = 'empty query: type a title, a genre, an era or "like <title>"';
    mockFetch((u) => (u.pathname === '/api/search' ? { body: { query: { raw: '%', terms: null, notes: [note] }, mode: 'none', hits: null, notes: [note] } } : undefined));
    render(
      <SessionProvider initialUser={null}>
        <SearchPage q="%" />
      </SessionProvider>,
    );
    // findByText fails when the note is shown more than once
    await screen.findByText(note);
    expect(screen.getAllByText(note)).toHaveLength(1);
  });

  it('cuts a query from a link to the 500 characters the API takes', async () => {
    const long = 'é'.repeat(300) + ' comedy'.repeat(100);
    const calls = mockFetch((u) => (u.pathname === '/api/search' ? { body: { query: { raw: u.searchParams.get('q'), terms: ['comedy'] }, mode: 'fused', hits: [] } } : undefined));
    render(
      <SessionProvider initialUser={null}>
        <SearchPage q={long} />
      </SessionProvider>,
    );
    await screen.findByText('Your search was cut to its first 500 characters.');
    await waitFor(() => expect(calls.some((c) => c.url.pathname === '/api/search')).toBe(true));
    const q = calls.find((c) => c.url.pathname === '/api/search')!.url.searchParams.get('q')!;
    expect(Array.from(q)).toHaveLength(500);
    expect(q).toBe(long.slice(0, 500));
    expect(screen.getByRole('heading', { level: 1 }).textContent!.length).toBeLessThan(100);
  });

  it('"Back" goes home when the page was opened from a link, not out of the app', async () => {
    mockFetch((u) => (u.pathname === '/api/search' ? { body: { query: { raw: 'fargo', terms: ['fargo'] }, mode: 'fused', hits: [] } } : undefined));
    // a new tab: the browser's history has an entry before ours, not the app's
    window.history.replaceState(null, '', '/elsewhere');
    window.history.pushState(null, '', '/search?q=fargo');
    const back = vi.spyOn(window.history, 'back');
    const user = userEvent.setup();
    render(
      <SessionProvider initialUser={null}>
        <SearchPage q="fargo" />
      </SessionProvider>,
    );
    await user.click(screen.getByRole('button', { name: 'Back' }));
    expect(back).not.toHaveBeenCalled();
    expect(window.location.pathname).toBe('/');

    // after a navigation in the app, Back is the browser's back
    navigate('/search?q=fargo');
    await user.click(screen.getByRole('button', { name: 'Back' }));
    expect(back).toHaveBeenCalledTimes(1);
    back.mockRestore();
  });
});

describe('cutQuery and uniqueNotes', () => {
  it('cut at 500 characters, never inside one, and list notes once', () => {
    expect(cutQuery('fargo')).toBe('fargo');
    const emoji = '😀'.repeat(600);
    expect(Array.from(cutQuery(emoji))).toHaveLength(500);
    expect(cutQuery(emoji)).toBe('😀'.repeat(500));
    expect(uniqueNotes(['a', 'b'], ['b', 'c'], null, undefined)).toEqual(['a', 'b', 'c']);
  });
});
