import type { ReactNode } from 'react';

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

/** ErrorBox says what failed and why, with a way to try again. */
export function ErrorBox({ what, error, retry, children }: { what: string; error: Error; retry?: () => void; children?: ReactNode }) {
  return (
    <div className="error" role="alert">
      <p>
        <strong>Could not load {what}.</strong> {error.message}
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
