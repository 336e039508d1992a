import { useEffect } from 'react';
import { api, ApiError } from '../api/client';
import { useHeadingFocus } from '../lib/pageFocus';
import { displayTitle, genreColour } from '../lib/poster';
import { Link } from '../lib/router';
import { useSession } from '../lib/session';
import { useAsync } from '../lib/useAsync';
import { Carousel } from '../components/Carousel';
import { MovieCard } from '../components/MovieCard';
import { Poster } from '../components/Poster';
import { RateMovie, Thumbs, useFeedback } from '../components/Feedback';
import { ErrorBox, Loading } from '../components/Status';

function Watched({ id, title }: { id: number; title: string }) {
  const { opinions } = useSession();
  const { send, busy } = useFeedback(id, title);
  const seen = opinions.get(id)?.watched;
  return (
    <button type="button" onClick={() => send('watched')} disabled={busy || seen} aria-pressed={seen ? true : false}>
      {seen ? 'In your history' : 'Mark as watched'}
    </button>
  );
}

/** MAX_MOVIE_ID is the largest id the API accepts (int32). */
const MAX_MOVIE_ID = 2147483647;

/**
 * MoviePage shows one movie. It is keyed by the id, so another movie's page
 * starts empty: nothing of the previous movie (title, rating, stars that
 * would rate the new one) stays on screen while the next one loads.
 */
export function MoviePage({ id }: { id: number }) {
  return <MovieDetails key={id} id={id} />;
}

function MovieDetails({ id }: { id: number }) {
  const { userId, opinions, opinionsStatus, ensureHistory, reloadHistory } = useSession();
  // Ids the API cannot hold are unknown movies, like ids it does not know.
  const valid = Number.isSafeInteger(id) && id >= 1 && id <= MAX_MOVIE_ID;
  const movie = useAsync((s) => (valid ? api.movie(id, s) : Promise.resolve(null)), [id]);
  const similar = useAsync((s) => (valid ? api.similar(id, 12, s) : Promise.resolve(null)), [id]);
  // A history that failed to load earlier is tried again.
  useEffect(() => ensureHistory(), [ensureHistory]);

  // 404: no such movie; 422: an id out of the API's range (0, too large).
  const notFound = !valid || (movie.status === 'error' && movie.error instanceof ApiError && (movie.error.status === 404 || movie.error.status === 422));
  const shown = notFound ? 'not-found' : movie.status === 'error' ? 'error' : movie.data ? 'movie' : null;
  const heading = useHeadingFocus(shown);

  if (notFound) {
    return (
      <div className="page">
        <h1 ref={heading}>Movie not found</h1>
        {valid && movie.status === 'error' ? (
          <ErrorBox what={`movie ${id}`} error={movie.error} />
        ) : (
          <p>There is no movie with this id.</p>
        )}
        <Link to="/">Back to the home page</Link>
      </div>
    );
  }
  if (movie.status === 'error') {
    return (
      <div className="page">
        <h1 ref={heading}>Could not load the movie</h1>
        <ErrorBox what={`movie ${id}`} error={movie.error} retry={movie.retry} />
        <Link to="/">Back to the home page</Link>
      </div>
    );
  }
  if (!movie.data) {
    return (
      <div className="page">
        <h1 className="visually-hidden">Loading movie {id}</h1>
        <Loading what="the movie" />
      </div>
    );
  }
  const m = movie.data;
  const title = displayTitle(m.title);
  const mine = opinions.get(id);
  return (
    <div className="page">
      <article className="details">
        <Poster title={m.title} year={m.year} genres={m.genres} className="big" />
        <div className="details-body">
          <h1 ref={heading}>
            {title} {m.year ? <span className="year">({m.year})</span> : null}
          </h1>
          <ul className="chips" aria-label="Genres">
            {(m.genres ?? []).map((g) => (
              <li key={g} className="chip" style={{ borderColor: genreColour(g) }}>
                {g}
              </li>
            ))}
          </ul>
          <dl className="stats">
            <div>
              <dt>Average rating</dt>
              <dd>{m.rating_mean !== undefined ? `${m.rating_mean.toFixed(2)} / 5` : 'no ratings'}</dd>
            </div>
            <div>
              <dt>Ratings</dt>
              <dd>{m.rating_count.toLocaleString()}</dd>
            </div>
            <div>
              <dt>Your rating</dt>
              <dd data-testid="your-rating">
                {!userId ? (
                  'choose a user to rate'
                ) : opinionsStatus === 'loading' ? (
                  'loading…'
                ) : opinionsStatus === 'error' ? (
                  <>
                    could not load your history{' '}
                    <button type="button" className="link-button" onClick={reloadHistory}>
                      Try again
                    </button>
                  </>
                ) : mine?.rating !== undefined ? (
                  `${mine.rating} / 5`
                ) : mine?.opinion ? (
                  `you ${mine.opinion}d it`
                ) : mine?.watched ? (
                  'watched, not rated'
                ) : (
                  'not rated yet'
                )}
              </dd>
            </div>
          </dl>
          {userId ? (
            <div className="rate">
              <h2>Rate it</h2>
              <RateMovie movieId={id} title={m.title} />
              <div className="row">
                <Thumbs movieId={id} title={m.title} />
                <Watched id={id} title={m.title} />
              </div>
            </div>
          ) : (
            <p>
              <Link to="/users">Choose a user</Link> to rate this movie.
            </p>
          )}
          {m.imdb_url ? (
            <p>
              <a href={m.imdb_url} target="_blank" rel="noreferrer noopener">
                {title} on IMDb<span className="visually-hidden"> (opens in a new tab)</span>
              </a>
            </p>
          ) : null}
        </div>
      </article>
      {similar.status === 'error' ? <ErrorBox what="similar movies" error={similar.error} retry={similar.retry} /> : null}
      {similar.status === 'loading' ? <Loading what="similar movies" /> : null}
      {similar.data ? (
        <Carousel testId="similar" name="similar movies" title={`Movies like ${title}`} subtitle={`By ${similar.data.model}: people who rated this also rated these`} empty={<p className="empty">No similar movies found.</p>}>
          {(similar.data.items ?? []).map((it) => (
            <MovieCard key={it.movie.id} movie={it.movie} note={`similarity ${it.score.toFixed(2)}`} />
          ))}
        </Carousel>
      ) : null}
    </div>
  );
}
