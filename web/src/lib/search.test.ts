import { describe, expect, it } from 'vitest';
import { filterLabel, reasons, summary, yearRange } from './search';
import type { SearchHit, SearchQuery } from '../api/types';

const q90s: SearchQuery = {
  raw: '90s comedy',
  terms: null,
  genres: ['Comedy'],
  constraints_only: true,
  year_min: 1990,
  year_max: 1999,
  filters: [
    { kind: 'years', value: '1990-1999', source: '90s' },
    { kind: 'genre', value: 'Comedy', source: 'comedy' },
  ],
};

describe('filters', () => {
  it('reads year ranges', () => {
    expect(yearRange('1990-1999')).toBe('1990–1999');
    expect(yearRange('-1969')).toBe('up to 1969');
    expect(yearRange('2001-')).toBe('2001 onwards');
    expect(yearRange('1995-1995')).toBe('1995');
  });
  it('labels chips', () => {
    expect(q90s.filters!.map(filterLabel)).toEqual(['Years: 1990–1999', 'Genre: Comedy']);
    expect(filterLabel({ kind: 'exclude_genre', value: 'Horror', source: 'not horror' })).toBe('Not Horror');
    expect(filterLabel({ kind: 'like', value: 'Fargo', source: 'like fargo' })).toBe('Like: Fargo');
  });
});

describe('reasons', () => {
  it('explains a filter-only match by genre and era', () => {
    const hit: SearchHit = { movie_id: 1, title: 'Toy Story', year: 1995, genres: ['Comedy'], score: 0.1, why: { genres: ['Comedy'], dense: 0.01, ranks: { catalogue: 1, dense: 376 } } };
    expect(reasons(hit, q90s)).toEqual(['Genre: Comedy', 'Released 1995, within 1990–1999']);
  });
  it('explains term matches, typos and personal scores', () => {
    const hit: SearchHit = {
      movie_id: 127, title: 'Godfather, The', year: 1972, genres: ['Crime'], score: 1,
      why: { exact_title: true, terms: [{ query: 'godfathr', matched: 'godfather', fields: ['title', 'overview'], typo: true }], personal: 0.5, ranks: { lexical: 1 } },
    };
    const q: SearchQuery = { raw: 'godfathr', terms: ['godfathr'] };
    expect(reasons(hit, q)).toEqual(['Exact title match', '“godfathr” read as “godfather” in the title and description', 'Ranked for you: model score 0.50']);
  });
  it('names the movie of a "like X" search', () => {
    const like: SearchHit = { movie_id: 100, title: 'Fargo', year: 1996, genres: ['Crime'], score: 1, why: {} };
    const hit: SearchHit = { movie_id: 5, title: 'Blood Simple', genres: ['Crime'], score: 0.4, why: { similar_to: 100, similarity: 0.42 } };
    expect(reasons(hit, { raw: 'like fargo', terms: [] }, like)).toEqual(['Liked by the same viewers as Fargo (similarity 0.42)']);
  });
  it('never returns nothing', () => {
    const hit: SearchHit = { movie_id: 5, title: 'X', genres: [], score: 0.4, why: { dense: 0.3, ranks: { dense: 40 } } };
    expect(reasons(hit, { raw: 'moody', terms: ['moody'] })).toEqual(['Close in meaning to your words (cosine 0.30, rank 40)']);
    expect(reasons({ ...hit, why: {} }, { raw: 'x', terms: [] })).toEqual(['Matched your search']);
  });
});

describe('summary', () => {
  it('counts results', () => {
    expect(summary({ query: q90s, mode: 'fused', hits: [] })).toBe('No movies match “90s comedy”.');
    expect(summary({ query: { raw: 'fargo', terms: ['fargo'] }, mode: 'fused', hits: [{ movie_id: 1, title: 'Fargo', genres: [], score: 1, why: {} }] })).toBe('1 movie matches “fargo”.');
  });
});
