import type { ReactNode } from 'react';
import type { Movie } from '../api/types';
import { Link } from '../lib/router';
import { displayTitle } from '../lib/poster';
import { useSession } from '../lib/session';
import { Poster } from './Poster';
import { Thumbs } from './Feedback';

interface Props {
  movie: Pick<Movie, 'id' | 'title' | 'year' | 'genres'> & Partial<Pick<Movie, 'rating_mean' | 'rating_count'>>;
  /** a line under the title, e.g. "Because you watched Fargo" */
  note?: ReactNode;
  /** show like/dislike buttons */
  thumbs?: boolean;
  children?: ReactNode;
}

/** MovieCard: poster, title and year linking to the movie's page. */
export function MovieCard({ movie, note, thumbs, children }: Props) {
  const { opinions, userId } = useSession();
  const o = opinions.get(movie.id);
  const title = displayTitle(movie.title);
  return (
    <article className="card" data-movie-id={movie.id}>
      <Link to={`/movies/${movie.id}`} className="card-link">
        <Poster title={movie.title} year={movie.year} genres={movie.genres} />
        <span className="card-title">{title}</span>
      </Link>
      <p className="card-meta">
        {movie.year ?? 'year unknown'}
        {movie.genres?.length ? ` · ${movie.genres.slice(0, 2).join(', ')}` : ''}
      </p>
      {o?.rating !== undefined ? (
        <p className="card-rating" aria-label={`You rated it ${o.rating} out of 5`}>
          <span aria-hidden="true">Your rating {'★'.repeat(Math.round(o.rating))}</span>
        </p>
      ) : null}
      {note ? <p className="card-note">{note}</p> : null}
      {children}
      {thumbs && userId ? <Thumbs movieId={movie.id} title={movie.title} compact /> : null}
    </article>
  );
}
