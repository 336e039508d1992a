import { describe, expect, it } from 'vitest';
import { canGoBack, match, navigate } from './router';

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
    expect(m('/movies/-1')).toEqual({ page: 'not-found', path: '/movies/-1' });
    expect(m('/nope')).toEqual({ page: 'not-found', path: '/nope' });
  });
  it('sends any run of digits to the movie page, which says when the id is out of range', () => {
    expect(m('/movies/0')).toEqual({ page: 'movie', id: 0 });
    expect(m('/movies/1234567890')).toEqual({ page: 'movie', id: 1234567890 });
  });
});

describe('canGoBack', () => {
  it('is true only after a navigation in the app', () => {
    window.history.replaceState(null, '', '/');
    expect(canGoBack()).toBe(false);
    navigate('/models');
    expect(canGoBack()).toBe(true);
    navigate('/users', { replace: true });
    expect(canGoBack()).toBe(true);
  });
});
