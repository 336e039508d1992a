import { useEffect, type ReactNode } from 'react';
import { api } from '../api/client';
import type { HistoryItem, Rec } from '../api/types';
import { Link } from '../lib/router';
import { displayTitle } from '../lib/poster';
import { distinctStats, useSession } from '../lib/session';
import { useAsync, type Async } from '../lib/useAsync';
import { Carousel } from '../components/Carousel';
import { MovieCard } from '../components/MovieCard';
import { ErrorBox, Loading } from '../components/Status';

/** whyLine is the recommendations' summary reason: "because you watched Fargo". */
export function whyLine(items: readonly Rec[] | null | undefined): string | null {
  const seen: string[] = [];
  for (const it of items ?? []) {
    if (it.because && !seen.includes(it.because.title)) seen.push(it.because.title);
    if (seen.length === 2) break;
  }
  if (seen.length === 0) return null;
  return `because you watched ${seen.map(displayTitle).join(' and ')}`;
}

function historyNote(h: HistoryItem): string {
  const when = new Date(h.time);
  const date = Number.isNaN(when.getTime()) ? '' : ` · ${when.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })}`;
  switch (h.kind) {
    case 'rating':
      return `You rated it ${h.value}/5${date}`;
    case 'like':
      return `You liked it${date}`;
    case 'dislike':
      return `You disliked it${date}`;
    default:
      return `Watched${date}`;
  }
}

/**
 * latestPerMovie keeps each movie's newest interaction of a newest-first
 * history, so a movie rated twice shows once, with its current rating.
 */
export function latestPerMovie(items: readonly HistoryItem[] | null | undefined, limit = Infinity): HistoryItem[] {
  const seen = new Set<number>();
  const out: HistoryItem[] = [];
  for (const it of items ?? []) {
    if (seen.has(it.movie_id)) continue;
    seen.add(it.movie_id);
    out.push(it);
    if (out.length >= limit) break;
  }
  return out;
}

/** HISTORY_ROW is how many movies the history carousel shows. */
const HISTORY_ROW = 20;

/**
 * Row renders a list's data, its loading state or its error. When a reload
 * fails, the previous data stays, with the error (and a retry) above it.
 */
function Row<T>({ state, what, render }: { state: Async<T> & { retry: () => void }; what: string; render: (d: T) => ReactNode }) {
  if (state.data !== undefined) {
    return (
      <>
        {state.status === 'error' ? <ErrorBox what={what} lead={`Could not update ${what}; showing the previous version.`} error={state.error} retry={state.retry} /> : null}
        {render(state.data)}
      </>
    );
  }
  if (state.status === 'error') return <ErrorBox what={what} error={state.error} retry={state.retry} />;
  return <Loading what={what} />;
}

export function Home({ userId }: { userId: number }) {
  const { version, opinions, opinionsStatus, ensureHistory } = useSession();
  // A history that failed to load earlier is tried again.
  useEffect(() => ensureHistory(), [ensureHistory]);
  // The profile's counts are per interaction (a movie rated twice counts
  // twice); the session's history, once loaded, gives per-movie counts.
  const distinct = opinionsStatus === 'ok' ? distinctStats(opinions) : null;
  const profile = useAsync((s) => api.profile(userId, s), [userId, version]);
  const recs = useAsync((s) => api.recommendations(userId, 20, s), [userId, version]);
  const because = useAsync((s) => api.because(userId, 20, s), [userId, version]);
  const popular = useAsync((s) => api.popular({ limit: 20 }, s), []);
  const topGenre = profile.data?.top_genres?.[0]?.genre;
  const genrePop = useAsync((s) => (topGenre ? api.popular({ genre: topGenre, limit: 20 }, s) : Promise.resolve(null)), [topGenre]);
  // The newest 100 interactions, folded to the newest HISTORY_ROW movies.
  const history = useAsync((s) => api.history(userId, 0, 100, s), [userId, version]);

  return (
    <div className="page">
      <h1>Welcome, User {userId}</h1>
      <Row
        state={profile}
        what="your profile"
        render={(p) => (
          <p className="profile-line" data-testid="profile-line">
            {distinct
              ? `${distinct.movies} ${distinct.movies === 1 ? 'movie' : 'movies'} in your history${distinct.rated ? `, ${distinct.rated} rated (average ${distinct.mean.toFixed(1)}★)` : ''}`
              : `${p.stats.interactions} ${p.stats.interactions === 1 ? 'interaction' : 'interactions'}${p.stats.ratings ? `, ${p.stats.ratings} ${p.stats.ratings === 1 ? 'rating' : 'ratings'} (average ${p.stats.rating_mean.toFixed(1)}★)` : ''}`}
            {p.top_genres?.length ? ` · you watch mostly ${p.top_genres.slice(0, 3).map((g) => g.genre).join(', ')}` : ''}
          </p>
        )}
      />

      <Row
        state={recs}
        what="your recommendations"
        render={(r) => {
          const why = whyLine(r.items);
          return (
            <Carousel
              testId="recommended"
              name="recommendations"
              busy={recs.status === 'loading'}
              title="Recommended for you"
              subtitle={
                <>
                  From model <strong data-testid="model-name">{r.model}</strong> (version {r.version}){why ? ` — ${why}` : ''}
                </>
              }
              empty={<p className="empty">No recommendations yet: rate a few movies first.</p>}
            >
              {(r.items ?? []).map((it) => (
                <MovieCard key={it.movie.id} movie={it.movie} thumbs note={it.because ? `Because you watched ${displayTitle(it.because.title)}` : undefined} />
              ))}
            </Carousel>
          );
        }}
      />

      <Row
        state={because}
        what="movies like your latest favourite"
        render={(b) =>
          b.because ? (
            <Carousel
              testId="because"
              name="because you watched"
              busy={because.status === 'loading'}
              title={
                <>
                  Because you watched <Link to={`/movies/${b.because.id}`}>{displayTitle(b.because.title)}</Link>
                </>
              }
              subtitle={`Similar movies by ${b.model}`}
              empty={<p className="empty">No similar movies found.</p>}
            >
              {(b.items ?? []).map((it) => (
                <MovieCard key={it.movie.id} movie={it.movie} thumbs />
              ))}
            </Carousel>
          ) : (
            <section className="carousel">
              <h2>Because you watched…</h2>
              <p className="empty">Once you like or rate a movie, movies like it appear here.</p>
            </section>
          )
        }
      />

      {topGenre ? (
        <Row
          state={genrePop}
          what={`popular ${topGenre} movies`}
          render={(g) =>
            g ? (
              <Carousel testId="genre-popular" name={`popular ${topGenre}`} title={`Popular in ${topGenre}`} subtitle={`Your most watched genre`}>
                {(g.items ?? []).map((it) => (
                  <MovieCard key={it.movie.id} movie={it.movie} note={`${it.movie.rating_count} ratings`} />
                ))}
              </Carousel>
            ) : null
          }
        />
      ) : null}

      <Row
        state={popular}
        what="popular movies"
        render={(p) => (
          <Carousel testId="popular" name="popular" title="Popular" subtitle="The most-rated movies on Movie Genie">
            {(p.items ?? []).map((it) => (
              <MovieCard key={it.movie.id} movie={it.movie} note={`${it.movie.rating_count} ratings${it.movie.rating_mean ? ` · ${it.movie.rating_mean.toFixed(1)}★` : ''}`} />
            ))}
          </Carousel>
        )}
      />

      <Row
        state={history}
        what="your history"
        render={(h) => (
          <Carousel
            testId="history"
            name="your history"
            busy={history.status === 'loading'}
            title="Your history"
            subtitle={distinct ? `${distinct.movies} ${distinct.movies === 1 ? 'movie' : 'movies'}, newest first` : 'Newest first'}
            empty={<p className="empty">You have not rated or watched anything yet.</p>}
          >
            {latestPerMovie(h.items, HISTORY_ROW).map((it) => (
              <MovieCard key={it.id} movie={{ id: it.movie_id, title: it.title, year: it.year, genres: null }} note={historyNote(it)} />
            ))}
          </Carousel>
        )}
      />
    </div>
  );
}
