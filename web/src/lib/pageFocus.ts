// Focus and tab title for a new page: screen-reader users land on the page's
// heading, and the tab is named after it.
import { useEffect, useRef } from 'react';

/** focusHeading focuses h (made focusable) and names the tab after it. */
export function focusHeading(h: HTMLElement | null | undefined) {
  if (h) {
    h.setAttribute('tabindex', '-1');
    h.focus({ preventScroll: true });
  }
  const text = h?.textContent?.replace(/\s+/g, ' ').trim();
  document.title = text ? `${text} · Movie Genie` : 'Movie Genie';
}

/**
 * useHeadingFocus is for pages whose heading is only known once their data
 * has loaded: attach the ref to the page's h1 and pass the state the heading
 * shows ("ok", "error", or null while loading); focus and title follow each
 * change of state, never a loading placeholder (the tab is "Movie Genie"
 * while loading).
 */
export function useHeadingFocus<T extends HTMLElement = HTMLHeadingElement>(state: string | null) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (state !== null) focusHeading(ref.current);
    else document.title = 'Movie Genie';
  }, [state]);
  return ref;
}
