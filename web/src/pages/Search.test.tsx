import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { SessionProvider } from '../lib/session';
import { SearchPage } from './Search';
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
});
