import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, match, navigate, useLocation } from './lib/router';
import { useSession } from './lib/session';
import { focusHeading } from './lib/pageFocus';
import { SearchIcon } from './components/Icons';
import { ChooseUser } from './pages/ChooseUser';
import { NewUser } from './pages/NewUser';
import { Home } from './pages/Home';
import { SearchPage, cutQuery } from './pages/Search';
import { MoviePage } from './pages/Movie';
import { MetricsPage } from './pages/Metrics';

function SearchBox({ initial }: { initial: string }) {
  const [q, setQ] = useState(initial);
  useEffect(() => setQ(initial), [initial]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const t = q.trim();
    if (t) navigate(`/search?q=${encodeURIComponent(t)}`);
  };
  return (
    <form role="search" className="searchbox" onSubmit={submit}>
      <label htmlFor="q" className="visually-hidden">
        Search movies
      </label>
      <input id="q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Search: a title, “90s comedy”, “like Fargo”…" maxLength={500} autoComplete="off" />
      <button type="submit" aria-label="Search">
        <SearchIcon />
      </button>
    </form>
  );
}

function Header({ q }: { q: string }) {
  const { userId } = useSession();
  return (
    <header className="topbar">
      <Link to="/" className="brand" aria-label="Movie Genie home">
        <span aria-hidden="true" className="logo">
          G
        </span>
        Movie Genie
      </Link>
      <SearchBox initial={q} />
      <nav aria-label="Account and pages" className="topnav">
        {userId ? <span className="welcome">Welcome, User {userId}</span> : null}
        {/* The current user stays chosen (and Back returns to them) until another is picked. */}
        <button type="button" onClick={() => navigate('/users')}>
          {userId ? 'Change user' : 'Choose user'}
        </button>
        <Link to="/models" className="button">
          Model metrics
        </Link>
      </nav>
    </header>
  );
}

/**
 * Toast shows (and announces) the outcome of the last feedback. Successes
 * and errors have a live region each, with a fixed role (status, alert):
 * screen readers track live regions by element, so one element must not
 * switch roles. Only the region of the current message shows.
 */
function Toast() {
  const { message } = useSession();
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!message) return;
    setShown(true);
    const t = setTimeout(() => setShown(false), 5000);
    return () => clearTimeout(t);
  }, [message]);
  const ok = shown && message?.tone === 'ok' ? message.text : '';
  const error = shown && message?.tone === 'error' ? message.text : '';
  return (
    <>
      <div className={`toast toast-ok ${ok ? 'show' : ''}`} role="status" aria-live="polite" data-testid="toast-status">
        {ok}
      </div>
      <div className={`toast toast-error ${error ? 'show' : ''}`} role="alert" aria-live="assertive" data-testid="toast-alert">
        {error}
      </div>
    </>
  );
}

export function App() {
  const { path, params } = useLocation();
  const { userId } = useSession();
  const route = match(path, params);
  const main = useRef<HTMLElement>(null);

  // Pages that need a user send visitors without one to the chooser.
  const needsUser = route.page === 'home';
  useEffect(() => {
    if (needsUser && !userId) navigate('/users', { replace: true });
  }, [needsUser, userId]);

  // Move focus to the new page's heading for screen-reader users, and name
  // the tab after it. The movie page's heading is only known once the movie
  // has loaded: that page does both itself then (useHeadingFocus); until
  // then the tab is just "Movie Genie", not the previous page's title.
  const selfFocused = route.page === 'movie';
  useEffect(() => {
    if (!selfFocused) focusHeading(main.current?.querySelector('h1'));
  }, [path, params.toString(), selfFocused]);

  let page;
  switch (route.page) {
    case 'home':
      page = userId ? <Home userId={userId} /> : null;
      break;
    case 'choose':
      page = <ChooseUser />;
      break;
    case 'new-user':
      page = <NewUser />;
      break;
    case 'search':
      page = <SearchPage q={route.q} />;
      break;
    case 'movie':
      page = <MoviePage id={route.id} />;
      break;
    case 'metrics':
      page = <MetricsPage />;
      break;
    default:
      page = (
        <div className="page">
          <h1>Page not found</h1>
          <p>
            There is no page at <code>{route.path}</code>. <Link to="/">Go to the home page</Link>.
          </p>
        </div>
      );
  }
  return (
    <>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <Header q={route.page === 'search' ? cutQuery(route.q) : ''} />
      <main id="main" ref={main}>
        {page}
      </main>
      <Toast />
      <footer className="footer">
        Movie Genie · recommendations from models trained on MovieLens ·{' '}
        <a href="/docs">API docs</a>
      </footer>
    </>
  );
}
