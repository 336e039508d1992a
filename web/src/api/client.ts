// A small fetch wrapper: JSON in and out, RFC 9457 problems turned into
// ApiError with a message a person can read. Nothing here ever substitutes
// data for a failure.
import type {
  BecauseList, FeedbackBody, GenreCount, HistoryPage, Interaction, ModelsInfo, Movie, MoviePage,
  NewUserBody, NewUserOut, Profile, RecList, SearchResult, UsersOut,
} from './types';

export class ApiError extends Error {
  status: number;
  title: string;
  detail?: string;
  details: string[];
  constructor(status: number, title: string, detail?: string, details: string[] = []) {
    super(describe(status, title, detail, details));
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.details = details;
  }
}

function describe(status: number, title: string, detail?: string, details: string[] = []): string {
  let s = status > 0 ? `${title} (HTTP ${status})` : title;
  if (detail && detail !== title) s += `: ${detail}`;
  if (details.length) s += ` — ${details.join('; ')}`;
  return s;
}

/** problemFrom reads an error answer's body (problem+json or text). */
export async function problemFrom(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const p = JSON.parse(text) as { title?: string; detail?: string; status?: number; errors?: { message?: string; location?: string }[] | null };
    const details = (p.errors ?? []).map((e) => [e.location, e.message].filter(Boolean).join(': ')).filter(Boolean);
    return new ApiError(p.status ?? res.status, p.title ?? res.statusText ?? 'Error', p.detail, details);
  } catch {
    return new ApiError(res.status, res.statusText || 'Error', text.trim().slice(0, 300) || undefined);
  }
}

type Query = Record<string, string | number | undefined | null>;

export function buildURL(path: string, query?: Query): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function request<T>(method: string, path: string, opts: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(buildURL(path, opts.query), {
      method,
      signal: opts.signal,
      headers: opts.body !== undefined ? { 'Content-Type': 'application/json', Accept: 'application/json' } : { Accept: 'application/json' },
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'Cannot reach the Movie Genie server', `${method} ${path} failed: ${(e as Error).message}. Is genie serve running?`);
  }
  if (!res.ok) throw await problemFrom(res);
  return (await res.json()) as T;
}

const get = <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal });

export const api = {
  movie: (id: number, signal?: AbortSignal) => get<Movie>(`/api/movies/${id}`, undefined, signal),
  movies: (q: { genre?: string; year_min?: number; year_max?: number; prefix?: string; sort?: string; offset?: number; limit?: number }, signal?: AbortSignal) =>
    get<MoviePage>('/api/movies', q, signal),
  popular: (q: { genre?: string; limit?: number }, signal?: AbortSignal) => get<RecList>('/api/popular', q, signal),
  genres: (signal?: AbortSignal) => get<GenreCount[]>('/api/genres', undefined, signal),
  similar: (id: number, k = 12, signal?: AbortSignal) => get<RecList>(`/api/movies/${id}/similar`, { k }, signal),
  sampleUsers: (n: number, seed: number, signal?: AbortSignal) => get<UsersOut>('/api/users', { sample: n, seed }, signal),
  profile: (id: number, signal?: AbortSignal) => get<Profile>(`/api/users/${id}`, undefined, signal),
  history: (id: number, offset = 0, limit = 20, signal?: AbortSignal) => get<HistoryPage>(`/api/users/${id}/history`, { offset, limit }, signal),
  recommendations: (id: number, k = 20, signal?: AbortSignal) => get<RecList>(`/api/users/${id}/recommendations`, { k }, signal),
  because: (id: number, k = 20, signal?: AbortSignal) => get<BecauseList>(`/api/users/${id}/because`, { k }, signal),
  search: (q: string, k = 24, userID?: number, signal?: AbortSignal) => get<SearchResult>('/api/search', { q, k, user_id: userID }, signal),
  models: (signal?: AbortSignal) => get<ModelsInfo>('/api/models', undefined, signal),
  feedback: (body: FeedbackBody) => request<Interaction>('POST', '/api/feedback', { body }),
  createUser: (body: NewUserBody) => request<NewUserOut>('POST', '/api/users', { body }),
};
