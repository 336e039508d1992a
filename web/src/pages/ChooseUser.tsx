import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import { parseUserID } from '../lib/userId';
import { Link, navigate } from '../lib/router';
import { useSession } from '../lib/session';
import { useAsync } from '../lib/useAsync';
import { ErrorBox, Loading } from '../components/Status';

export function ChooseUser() {
  const { userId, setUser } = useSession();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const [seed, setSeed] = useState(() => 1 + Math.floor(Math.random() * 1e6));
  const sample = useAsync((s) => api.sampleUsers(6, seed, s), [seed]);

  const choose = async (id: number) => {
    setChecking(true);
    setError(null);
    try {
      await api.profile(id);
      setUser(id);
      navigate('/');
    } catch (e) {
      setError(e instanceof ApiError && e.status === 404 ? `There is no user ${id}. Try one of the users below, or start as a new user.` : (e as Error).message);
    } finally {
      setChecking(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = parseUserID(text);
    if ('error' in r) setError(r.error);
    else void choose(r.id);
  };

  return (
    <div className="page narrow">
      <h1>Who is watching?</h1>
      <p>Movie Genie recommends from a MovieLens user's ratings. Enter a user id, pick one of these users, or start fresh.</p>
      {userId ? (
        <p>
          You are User {userId} until you choose another. <Link to="/">Continue as User {userId}</Link>
        </p>
      ) : null}
      <form className="choose" onSubmit={submit} noValidate>
        <label htmlFor="user-id">MovieLens user id</label>
        <div className="row">
          <input
            id="user-id"
            inputMode="numeric"
            autoComplete="off"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setError(null);
            }}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'user-id-error' : undefined}
          />
          <button type="submit" disabled={checking}>
            {checking ? 'Checking…' : 'Continue'}
          </button>
        </div>
        {error ? (
          <p id="user-id-error" className="field-error" role="alert">
            {error}
          </p>
        ) : null}
      </form>

      <section aria-labelledby="sampled" className="sampled">
        <h2 id="sampled">Or pick a user</h2>
        {sample.status === 'error' ? <ErrorBox what="users" error={sample.error} retry={sample.retry} /> : null}
        {sample.status === 'loading' && !sample.data ? <Loading what="users" /> : null}
        {sample.data ? (
          <ul className="user-list">
            {(sample.data.users ?? []).map((u) => (
              <li key={u}>
                <button type="button" className="user-chip" onClick={() => choose(u)} disabled={checking}>
                  User {u}
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        <button type="button" className="link-button" onClick={() => setSeed((s) => s + 1)}>
          Show other users
        </button>
      </section>

      <section aria-labelledby="fresh" className="fresh">
        <h2 id="fresh">New here?</h2>
        <p>Rate a few popular movies and get recommendations right away.</p>
        <Link to="/users/new" className="button primary">
          Start as a new user
        </Link>
      </section>
    </div>
  );
}
