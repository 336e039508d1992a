import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { navigate } from '../lib/router';
import { displayTitle } from '../lib/poster';
import { useSession } from '../lib/session';
import { useAsync } from '../lib/useAsync';
import { Poster } from '../components/Poster';
import { StarRating } from '../components/StarRating';
import { ErrorBox, Loading } from '../components/Status';

/** MIN_RATINGS is how many movies a new user rates before starting. */
export const MIN_RATINGS = 3;

export function NewUser() {
  const { setUser, announce } = useSession();
  const popular = useAsync((s) => api.popular({ limit: 18 }, s), []);
  const [ratings, setRatings] = useState<Record<number, number>>({});
  const [age, setAge] = useState('');
  const [gender, setGender] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const count = Object.keys(ratings).length;
  // Digits only: Number() would also take "1e2", "0x10" or "12.0".
  const ageText = age.trim();
  const ageNum = ageText === '' || !/^\d{1,3}$/.test(ageText) ? undefined : Number(ageText);
  const ageBad = ageText !== '' && !(ageNum !== undefined && ageNum >= 1 && ageNum <= 120);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (count < MIN_RATINGS || ageBad) return;
    setBusy(true);
    setError(null);
    try {
      const out = await api.createUser({
        age: ageNum,
        gender: gender === 'M' || gender === 'F' ? gender : undefined,
        ratings: Object.entries(ratings).map(([id, r]) => ({ movie_id: Number(id), rating: r })),
      });
      setUser(out.user.id);
      announce(`Welcome! You are user ${out.user.id}; here are your first recommendations.`);
      navigate('/');
    } catch (e) {
      setError(`Could not create your profile: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="page" onSubmit={submit}>
      <h1>Rate a few movies to start</h1>
      <p>
        Rate at least {MIN_RATINGS} movies you have seen (choose a chosen star again to clear that rating). Your ratings are saved as a new user and the
        recommendations start from them.
      </p>
      {popular.status === 'error' ? <ErrorBox what="popular movies" error={popular.error} retry={popular.retry} /> : null}
      {popular.status === 'loading' ? <Loading what="popular movies" /> : null}
      {popular.data ? (
        <ul className="grid">
          {(popular.data.items ?? []).map(({ movie }) => (
            <li key={movie.id} className="card">
              <Poster title={movie.title} year={movie.year} genres={movie.genres} />
              <span className="card-title">{displayTitle(movie.title)}</span>
              <StarRating
                value={ratings[movie.id]}
                label={`Rate ${displayTitle(movie.title)}`}
                onChange={(s) => setRatings((r) => ({ ...r, [movie.id]: s }))}
                onClear={() =>
                  setRatings((r) => {
                    const next = { ...r };
                    delete next[movie.id];
                    return next;
                  })
                }
              />
            </li>
          ))}
        </ul>
      ) : null}
      <fieldset className="about">
        <legend>About you (optional)</legend>
        <label>
          Age
          <input inputMode="numeric" value={age} onChange={(e) => setAge(e.target.value)} aria-invalid={ageBad || undefined} />
        </label>
        <label>
          Gender
          <select value={gender} onChange={(e) => setGender(e.target.value)}>
            <option value="">Prefer not to say</option>
            <option value="F">Female</option>
            <option value="M">Male</option>
          </select>
        </label>
        {ageBad ? <p className="field-error" role="alert">Age is a whole number from 1 to 120.</p> : null}
      </fieldset>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions sticky">
        <span role="status">
          {count} of {MIN_RATINGS} rated{count >= MIN_RATINGS ? ' — ready' : ''}
        </span>
        <button type="submit" className="primary" disabled={busy || count < MIN_RATINGS || ageBad}>
          {busy ? 'Creating…' : 'Create my profile'}
        </button>
      </div>
    </form>
  );
}
