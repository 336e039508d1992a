import type { ReactNode } from 'react';
import { api } from '../api/client';
import type { HistoryItem, Rec } from '../api/types';
import { Link } from '../lib/router';
import { displayTitle } from '../lib/poster';
import { useSession } from '../lib/session';
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

function Row<T>({ state, what, render }: { state: Async<T> & { retry: () => void }; what: string; render: (d: T) => ReactNode }) {
  if (state.data !== undefined) return <>{render(state.data)}</>;
  if (state.status === 'error') return <ErrorBox what={what} error={state.error} retry={state.retry} />;
  return <Loading what={what} />;
}

export function Home({ userId }: { userId: number }) {
  const { version } = useSession();
  const profile = useAsync((s) => api.profile(userId, s), [userId, version]);
  const recs = useAsync((s) => api.recommendations(userId, 20, s), [userId, version]);
  const because = useAsync((s) => api.because(userId, 20, s), [userId, version]);
  const popular = useAsync((s) => api.popular({ limit: 20 }, s), []);
  const topGenre = profile.data?.top_genres?.[0]?.genre;
  const genrePop = useAsync((s) => (topGenre ? api.popular({ genre: topGenre, limit: 20 }, s) : Promise.resolve(null)), [topGenre]);
  const history = useAsync((s) => api.history(userId, 0, 20, s), [userId, version]);

  return (
    <div className="page">
      <h1>Welcome, User {userId}</h1>
      <Row
        state={profile}
        what="your profile"
        render={(p) => (
          <p className="profile-line">
            {p.stats.interactions} movies in your history
            {p.stats.ratings ? `, ${p.stats.ratings} rated (average ${p.stats.rating_mean.toFixed(1)}★)` : ''}
            {p.top_genres?.length ? ` · you watch mostly ${p.top_genres.slice(0, 3).map((g) => g.genre).join(', ')}` : ''}
          </p>
        )}
      />

      {recs.status === 'error' && recs.data ? <ErrorBox what="updated recommendations" error={recs.error} retry={recs.retry} /> : null}
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
            subtitle={`${h.total} ${h.total === 1 ? 'movie' : 'movies'}, newest first`}
            empty={<p className="empty">You have not rated or watched anything yet.</p>}
          >
            {(h.items ?? []).map((it) => (
              <MovieCard key={it.id} movie={{ id: it.movie_id, title: it.title, year: it.year, genres: null }} note={historyNote(it)} />
            ))}
          </Carousel>
        )}
      />
    </div>
  );
}
