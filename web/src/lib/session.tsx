// The session: who is using the app, what they have rated, and a version
// number that changes whenever they give feedback, so every list that
// depends on their history reloads (no page reload needed).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import type { FeedbackKind, HistoryItem } from '../api/types';

export interface Opinion {
  rating?: number;
  opinion?: 'like' | 'dislike';
  watched?: boolean;
}

/** opinionsFrom folds a newest-first history into each movie's latest opinion. */
export function opinionsFrom(items: readonly HistoryItem[]): Map<number, Opinion> {
  const m = new Map<number, Opinion>();
  for (const it of items) {
    const o = m.get(it.movie_id) ?? {};
    if (it.kind === 'rating' && o.rating === undefined && it.value !== undefined) o.rating = it.value;
    if ((it.kind === 'like' || it.kind === 'dislike') && o.opinion === undefined) o.opinion = it.kind;
    o.watched = true;
    m.set(it.movie_id, o);
  }
  return m;
}

interface Session {
  userId: number | null;
  setUser: (id: number | null) => void;
  /** version changes after every recorded feedback. */
  version: number;
  opinions: Map<number, Opinion>;
  opinionsStatus: 'idle' | 'loading' | 'ok' | 'error';
  /** reloadHistory loads the user's history again (after a failure: "Try again"). */
  reloadHistory: () => void;
  /** ensureHistory reloads the history only if its last load failed; pages call it when they mount. */
  ensureHistory: () => void;
  /** pending holds the movies whose feedback is being sent (shared by every card of a movie). */
  pending: ReadonlySet<number>;
  /**
   * sendFeedback records feedback; it throws an ApiError when the server
   * refuses. It sends nothing and returns false when the movie already has
   * feedback in flight or the user already gave this like or dislike.
   */
  sendFeedback: (movieId: number, kind: FeedbackKind, rating?: number) => Promise<boolean>;
  /** announce speaks (aria-live) and shows a short status message. */
  announce: (msg: string, tone?: 'ok' | 'error') => void;
  message: { text: string; tone: 'ok' | 'error'; n: number } | null;
}

/** distinctStats counts the movies in a history (each once, at its latest rating). */
export function distinctStats(opinions: ReadonlyMap<number, Opinion>): { movies: number; rated: number; mean: number } {
  let rated = 0;
  let sum = 0;
  for (const o of opinions.values()) {
    if (o.rating !== undefined) {
      rated++;
      sum += o.rating;
    }
  }
  return { movies: opinions.size, rated, mean: rated ? sum / rated : 0 };
}

const Ctx = createContext<Session | null>(null);
const KEY = 'moviegenie.user';
const MAX_HISTORY_PAGES = 30;

function storedUser(): number | null {
  try {
    const v = Number(window.localStorage.getItem(KEY));
    return Number.isInteger(v) && v > 0 ? v : null;
  } catch {
    return null;
  }
}

export function SessionProvider({ children, initialUser }: { children: ReactNode; initialUser?: number | null }) {
  const [userId, setUserId] = useState<number | null>(() => (initialUser !== undefined ? initialUser : storedUser()));
  const [version, setVersion] = useState(0);
  const [opinions, setOpinions] = useState<Map<number, Opinion>>(new Map());
  const [opinionsStatus, setStatus] = useState<Session['opinionsStatus']>('idle');
  const [attempt, setAttempt] = useState(0);
  const [pending, setPending] = useState<ReadonlySet<number>>(new Set());
  const [message, setMessage] = useState<Session['message']>(null);
  const n = useRef(0);
  // Refs mirror state for the callbacks, which must not change identity.
  const statusRef = useRef(opinionsStatus);
  statusRef.current = opinionsStatus;
  const opinionsRef = useRef(opinions);
  opinionsRef.current = opinions;
  const inFlight = useRef(new Set<number>());

  const setUser = useCallback((id: number | null) => {
    try {
      if (id) window.localStorage.setItem(KEY, String(id));
      else window.localStorage.removeItem(KEY);
    } catch {
      /* private mode: the session still works for this tab */
    }
    setUserId(id);
    setOpinions(new Map());
    setMessage(null);
  }, []);

  // Load the user's whole history (pages of 100) for their ratings: when the
  // user changes, and again on reloadHistory (a failed load is retried when
  // a page that needs it mounts, after feedback, or on "Try again").
  useEffect(() => {
    if (!userId) {
      setStatus('idle');
      return;
    }
    const ctl = new AbortController();
    setStatus('loading');
    (async () => {
      const all: HistoryItem[] = [];
      for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
        const p = await api.history(userId, page * 100, 100, ctl.signal);
        all.push(...(p.items ?? []));
        if (all.length >= p.total || (p.items ?? []).length === 0) break;
      }
      return all;
    })().then(
      (items) => {
        if (ctl.signal.aborted) return;
        setOpinions(opinionsFrom(items));
        setStatus('ok');
      },
      (e: Error) => !ctl.signal.aborted && e.name !== 'AbortError' && setStatus('error'),
    );
    return () => ctl.abort();
  }, [userId, attempt]);

  const reloadHistory = useCallback(() => setAttempt((a) => a + 1), []);
  const ensureHistory = useCallback(() => {
    if (statusRef.current === 'error') setAttempt((a) => a + 1);
  }, []);

  const announce = useCallback((text: string, tone: 'ok' | 'error' = 'ok') => {
    n.current += 1;
    setMessage({ text, tone, n: n.current });
  }, []);

  const sendFeedback = useCallback(
    async (movieId: number, kind: FeedbackKind, rating?: number) => {
      if (!userId) throw new Error('Choose a user first.');
      if (inFlight.current.has(movieId)) return false;
      if ((kind === 'like' || kind === 'dislike') && opinionsRef.current.get(movieId)?.opinion === kind) return false;
      if (kind === 'watched' && opinionsRef.current.get(movieId)?.watched) return false;
      inFlight.current.add(movieId);
      setPending(new Set(inFlight.current));
      try {
        await api.feedback({ user_id: userId, movie_id: movieId, kind, rating: kind === 'rating' ? rating : undefined });
      } finally {
        inFlight.current.delete(movieId);
        setPending(new Set(inFlight.current));
      }
      setOpinions((prev) => {
        const next = new Map(prev);
        const o = { ...(next.get(movieId) ?? {}) };
        if (kind === 'rating') o.rating = rating;
        if (kind === 'like' || kind === 'dislike') o.opinion = kind;
        o.watched = true;
        next.set(movieId, o);
        return next;
      });
      // A history that failed to load, or is still loading (it may miss
      // this feedback), is loaded again.
      if (statusRef.current !== 'ok') setAttempt((a) => a + 1);
      setVersion((v) => v + 1);
      return true;
    },
    [userId],
  );

  const value = useMemo(
    () => ({ userId, setUser, version, opinions, opinionsStatus, reloadHistory, ensureHistory, pending, sendFeedback, announce, message }),
    [userId, setUser, version, opinions, opinionsStatus, reloadHistory, ensureHistory, pending, sendFeedback, announce, message],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
