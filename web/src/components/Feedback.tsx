import { displayTitle } from '../lib/poster';
import { useSession } from '../lib/session';
import type { FeedbackKind } from '../api/types';
import { StarRating } from './StarRating';
import { ThumbDown, ThumbUp } from './Icons';

/** useFeedback sends feedback and announces the outcome, success or failure. */
export function useFeedback(movieId: number, title: string) {
  const { sendFeedback, announce, pending } = useSession();
  // busy is per movie, shared by every card showing it.
  const busy = pending.has(movieId);
  const send = async (kind: FeedbackKind, rating?: number) => {
    const t = displayTitle(title);
    try {
      if (!(await sendFeedback(movieId, kind, rating))) return;
      const what = kind === 'rating' ? `Rated ${t} ${rating} ${rating === 1 ? 'star' : 'stars'}` : kind === 'watched' ? `Marked ${t} as watched` : `${kind === 'like' ? 'Liked' : 'Disliked'} ${t}`;
      announce(`${what}. Your recommendations are updated.`);
    } catch (e) {
      announce(`Could not save your ${kind} for ${t}: ${(e as Error).message}`, 'error');
    }
  };
  return { send, busy };
}

/**
 * Thumbs: like and dislike buttons for one movie, pressed for the user's
 * current opinion. Pressing the other one switches; pressing the pressed one
 * again sends nothing (there is no "unlike" in the API) and just says so.
 */
export function Thumbs({ movieId, title, compact }: { movieId: number; title: string; compact?: boolean }) {
  const { opinions, announce } = useSession();
  const { send, busy } = useFeedback(movieId, title);
  const o = opinions.get(movieId)?.opinion;
  const t = displayTitle(title);
  const press = (kind: 'like' | 'dislike') => (o === kind ? announce(`You already ${kind}d ${t}.`) : send(kind));
  return (
    <div className={compact ? 'thumbs compact' : 'thumbs'}>
      <button type="button" aria-pressed={o === 'like'} aria-label={`Like ${t}`} title={o === 'like' ? 'You like it' : 'Like'} disabled={busy} onClick={() => press('like')}>
        <ThumbUp />
        {compact ? null : ' Like'}
      </button>
      <button type="button" aria-pressed={o === 'dislike'} aria-label={`Dislike ${t}`} title={o === 'dislike' ? 'You dislike it' : 'Dislike'} disabled={busy} onClick={() => press('dislike')}>
        <ThumbDown />
        {compact ? null : ' Dislike'}
      </button>
    </div>
  );
}

/** RateMovie: stars bound to the user's rating of the movie. */
export function RateMovie({ movieId, title }: { movieId: number; title: string }) {
  const { opinions } = useSession();
  const { send, busy } = useFeedback(movieId, title);
  return <StarRating value={opinions.get(movieId)?.rating} label={`Your rating of ${displayTitle(title)}`} onChange={(s) => send('rating', s)} disabled={busy} />;
}
