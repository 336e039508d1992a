import { useState } from 'react';
import { displayTitle } from '../lib/poster';
import { useSession } from '../lib/session';
import type { FeedbackKind } from '../api/types';
import { StarRating } from './StarRating';
import { ThumbDown, ThumbUp } from './Icons';

/** useFeedback sends feedback and announces the outcome, success or failure. */
export function useFeedback(movieId: number, title: string) {
  const { sendFeedback, announce } = useSession();
  const [busy, setBusy] = useState(false);
  const send = async (kind: FeedbackKind, rating?: number) => {
    setBusy(true);
    const t = displayTitle(title);
    try {
      await sendFeedback(movieId, kind, rating);
      const what = kind === 'rating' ? `Rated ${t} ${rating} ${rating === 1 ? 'star' : 'stars'}` : kind === 'watched' ? `Marked ${t} as watched` : `${kind === 'like' ? 'Liked' : 'Disliked'} ${t}`;
      announce(`${what}. Your recommendations are updated.`);
    } catch (e) {
      announce(`Could not save your ${kind} for ${t}: ${(e as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  return { send, busy };
}

/** Thumbs: like and dislike toggle buttons for one movie. */
export function Thumbs({ movieId, title, compact }: { movieId: number; title: string; compact?: boolean }) {
  const { opinions } = useSession();
  const { send, busy } = useFeedback(movieId, title);
  const o = opinions.get(movieId)?.opinion;
  const t = displayTitle(title);
  return (
    <div className={compact ? 'thumbs compact' : 'thumbs'}>
      <button type="button" aria-pressed={o === 'like'} aria-label={`Like ${t}`} title="Like" disabled={busy} onClick={() => send('like')}>
        <ThumbUp />
        {compact ? null : ' Like'}
      </button>
      <button type="button" aria-pressed={o === 'dislike'} aria-label={`Dislike ${t}`} title="Dislike" disabled={busy} onClick={() => send('dislike')}>
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
