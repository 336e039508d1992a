import { vi } from 'vitest';

type Handler = (url: URL, init?: RequestInit) => { status?: number; body: unknown } | undefined;

/** mockFetch answers fetch from handlers (first non-undefined wins) and records calls. */
export function mockFetch(...handlers: Handler[]) {
  const calls: { url: URL; init?: RequestInit }[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://genie.test');
    calls.push({ url, init });
    for (const h of handlers) {
      const r = h(url, init);
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
