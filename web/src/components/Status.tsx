import type { ReactNode } from 'react';

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

/**
 * ErrorBox says what failed and why, with a way to try again. lead replaces
 * the opening "Could not load {what}." (e.g. for a reload that failed while
 * the previous data stays on screen).
 */
export function ErrorBox({ what, error, retry, lead, children }: { what: string; error: Error; retry?: () => void; lead?: string; children?: ReactNode }) {
  return (
    <div className="error" role="alert">
      <p>
        <strong>{lead ?? `Could not load ${what}.`}</strong> {error.message}
      </p>
      {children}
      {retry ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
