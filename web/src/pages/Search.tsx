import { api } from '../api/client';
import { filterLabel, reasons, summary } from '../lib/search';
import { canGoBack, Link, navigate } from '../lib/router';
import { displayTitle, genreColour } from '../lib/poster';
import { useSession } from '../lib/session';
import { useAsync } from '../lib/useAsync';
import { MovieCard } from '../components/MovieCard';
import { ErrorBox, Loading } from '../components/Status';

/** MAX_QUERY is the longest query the API takes, in characters (the search box's maxLength). */
export const MAX_QUERY = 500;

/** cutQuery cuts a query (e.g. from a pasted link) to MAX_QUERY characters, never inside one. */
export function cutQuery(q: string): string {
  const chars = Array.from(q);
  return chars.length > MAX_QUERY ? chars.slice(0, MAX_QUERY).join('') : q;
}

/** HEADING_CHARS is how much of a long query the page heading quotes. */
const HEADING_CHARS = 80;

/** uniqueNotes lists the query's and the result's notes, each once. */
export function uniqueNotes(...lists: (readonly string[] | null | undefined)[]): string[] {
  return [...new Set(lists.flatMap((l) => l ?? []))];
}

export function SearchPage({ q: asked }: { q: string }) {
  const { userId } = useSession();
  const q = cutQuery(asked);
  const cut = q !== asked;
  const res = useAsync((s) => (q.trim() ? api.search(q, 24, userId ?? undefined, s) : Promise.resolve(null)), [q, userId]);
  // Back stays in the app: a page opened from a link (new tab) goes home.
  const back = () => (canGoBack() ? window.history.back() : navigate('/'));
  const shown = Array.from(q.trim());
  const quoted = shown.length > HEADING_CHARS ? `${shown.slice(0, HEADING_CHARS).join('')}…` : q.trim();

  return (
    <div className="page">
      <div className="page-head">
        <h1>{q.trim() ? <>Results for “{quoted}”</> : 'Search'}</h1>
        <button type="button" onClick={back}>
          Back
        </button>
      </div>
      {cut ? <p className="note">Your search was cut to its first {MAX_QUERY} characters.</p> : null}
      {!q.trim() ? <p>Type in the search box above and press Enter: a title, a genre and an era (“90s comedy”), a theme, or “like Fargo”.</p> : null}
      {res.status === 'loading' ? <Loading what="search results" /> : null}
      {res.status === 'error' ? <ErrorBox what="search results" error={res.error} retry={res.retry} /> : null}
      {res.status === 'ok' && res.data ? (
        <>
          {res.data.query.filters?.length ? (
            <ul className="chips" aria-label="Filters read from your search">
              {res.data.query.filters.map((f, i) => (
                <li key={i} className="chip" style={f.kind === 'genre' ? { borderColor: genreColour(f.value) } : undefined}>
                  {filterLabel(f)} <span className="chip-source">from “{f.source}”</span>
                </li>
              ))}
            </ul>
          ) : null}
          {res.data.like ? (
            <p>
              Movies liked by the viewers of <Link to={`/movies/${res.data.like.movie_id}`}>{displayTitle(res.data.like.title)}</Link>.
            </p>
          ) : null}
          {uniqueNotes(res.data.query.notes, res.data.notes).map((n, i) => (
            <p key={i} className="note">
              {n}
            </p>
          ))}
          <p role="status" className="summary">
            {summary(res.data)}
            {userId ? ` Ranked for user ${userId}.` : ''}
          </p>
          <ul className="grid results" aria-label="Search results">
            {(res.data.hits ?? []).map((h) => (
              <li key={h.movie_id}>
                <MovieCard movie={{ id: h.movie_id, title: h.title, year: h.year, genres: h.genres }} thumbs>
                  <ul className="reasons" aria-label={`Why ${displayTitle(h.title)} matched`}>
                    {reasons(h, res.data!.query, res.data!.like).map((r, i) => (
                      <li key={i}>{r}</li>
                    ))}
                  </ul>
                </MovieCard>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
