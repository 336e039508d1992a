import { describe, expect, it } from 'vitest';
import { match } from './router';

const m = (path: string, q = '') => match(path, new URLSearchParams(q));

describe('match', () => {
  it('maps paths to pages', () => {
    expect(m('/')).toEqual({ page: 'home' });
    expect(m('/users')).toEqual({ page: 'choose' });
    expect(m('/users/new/')).toEqual({ page: 'new-user' });
    expect(m('/search', '?q=90s+comedy')).toEqual({ page: 'search', q: '90s comedy' });
    expect(m('/movies/42')).toEqual({ page: 'movie', id: 42 });
    expect(m('/models')).toEqual({ page: 'metrics' });
  });
  it('reports unknown pages', () => {
    expect(m('/movies/abc')).toEqual({ page: 'not-found', path: '/movies/abc' });
    expect(m('/nope')).toEqual({ page: 'not-found', path: '/nope' });
  });
});
