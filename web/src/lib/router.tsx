// A tiny History-API router: the app has six pages, which does not need a
// routing library. Links are real <a href> elements (keyboard, middle-click
// and screen readers work), intercepted for plain clicks.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const listeners = new Set<() => void>();
function subscribe(fn: () => void) {
  listeners.add(fn);
  window.addEventListener('popstate', fn);
  return () => {
    listeners.delete(fn);
    window.removeEventListener('popstate', fn);
  };
}
const snapshot = () => window.location.pathname + window.location.search;

// Each history entry the app pushes records its depth in the app's own
// history (history.state.genieDepth): 0 for the page the tab opened on, so a
// "Back" button can tell whether going back stays in the app.
const depth = (): number => {
  const d = (window.history.state as { genieDepth?: unknown } | null)?.genieDepth;
  return typeof d === 'number' && d > 0 ? d : 0;
};

/** canGoBack says whether the previous history entry is a page of this app. */
export function canGoBack(): boolean {
  return depth() > 0;
}

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState({ genieDepth: depth() }, '', to);
  else window.history.pushState({ genieDepth: depth() + 1 }, '', to);
  window.scrollTo?.(0, 0);
  listeners.forEach((l) => l());
}

/** useLocation returns the current path and query parameters. */
export function useLocation(): { path: string; params: URLSearchParams } {
  const s = useSyncExternalStore(subscribe, snapshot, snapshot);
  const i = s.indexOf('?');
  return { path: i < 0 ? s : s.slice(0, i), params: new URLSearchParams(i < 0 ? '' : s.slice(i)) };
}

export type Route =
  | { page: 'home' }
  | { page: 'choose' }
  | { page: 'new-user' }
  | { page: 'search'; q: string }
  | { page: 'movie'; id: number }
  | { page: 'metrics' }
  | { page: 'not-found'; path: string };

/** match maps a path to a page. */
export function match(path: string, params: URLSearchParams): Route {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/') return { page: 'home' };
  if (p === '/users') return { page: 'choose' };
  if (p === '/users/new') return { page: 'new-user' };
  if (p === '/search') return { page: 'search', q: params.get('q') ?? '' };
  if (p === '/models') return { page: 'metrics' };
  // Any run of digits is a movie page: ids out of the API's range are
  // "Movie not found" there, like unknown ones.
  const m = /^\/movies\/(\d+)$/.exec(p);
  if (m) return { page: 'movie', id: Number(m[1]) };
  return { page: 'not-found', path };
}

export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={click} {...rest} />;
}
