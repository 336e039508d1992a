import { useCallback, useEffect, useState } from 'react';

export type Async<T> =
  | { status: 'loading'; data?: T; error?: undefined }
  | { status: 'ok'; data: T; error?: undefined }
  | { status: 'error'; data?: T; error: Error };

/**
 * useAsync runs load whenever deps change (aborting the previous run) and
 * reports loading, the data or the error. While reloading, the previous
 * data stays visible (status 'loading' with data), so carousels do not
 * flash when feedback refreshes them.
 */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> & { retry: () => void } {
  const [state, setState] = useState<Async<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ status: 'loading', data: s.data }));
    load(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ status: 'ok', data }),
      (error: Error) => !ctl.signal.aborted && error.name !== 'AbortError' && setState((s) => ({ status: 'error', error, data: s.data })),
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, attempt]);
  const retry = useCallback(() => setAttempt((a) => a + 1), []);
  return { ...state, retry };
}
