import { vi } from 'vitest';

type Answer = { status?: number; body: unknown } | undefined;
type Handler = (url: URL, init?: RequestInit) => Answer | Promise<Answer>;

/** mockFetch answers fetch from handlers (first non-undefined wins; a handler may answer later, with a promise) and records calls. */
export function mockFetch(...handlers: Handler[]) {
  const calls: { url: URL; init?: RequestInit }[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://genie.test');
    calls.push({ url, init });
    for (const h of handlers) {
      const r = await h(url, init);
      if (r) {
        const status = r.status ?? 200;
        return new Response(JSON.stringify(r.body), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' } });
      }
    }
    return new Response(JSON.stringify({ title: 'Not Found', status: 404, detail: `no mock for ${url.pathname}` }), { status: 404 });
  });
  vi.stubGlobal('fetch', fn);
  return calls;
}

export const movie = (id: number, title: string, year = 1995, genres = ['Comedy']) => ({ id, title, year, genres, rating_count: 100, rating_mean: 3.5 });

/** later returns a promise and the function that settles it: a slow answer. */
export function later<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export const profileOf = (id: number, stats: Partial<{ interactions: number; ratings: number; likes: number; dislikes: number; watched: number; rating_mean: number }> = {}, genres = [{ genre: 'Crime', count: 1 }]) => ({
  user: { id, source: 'dataset' },
  stats: { interactions: 1, ratings: 1, likes: 0, dislikes: 0, watched: 0, rating_mean: 4, rating_std: 0, ...stats },
  top_genres: genres,
});

/** historyItem is one interaction as GET /api/users/{id}/history lists it. */
export const historyItem = (id: number, userId: number, movieId: number, title: string, kind: 'rating' | 'like' | 'dislike' | 'watched', value?: number, time = '1998-03-25T00:00:00Z') => ({
  id,
  user_id: userId,
  movie_id: movieId,
  kind,
  value,
  time,
  source: 'dataset',
  title,
  year: 1995,
});
