import { useId } from 'react';
import { displayTitle, genreColours, wrapTitle } from '../lib/poster';

interface Props {
  title: string;
  year?: number | null;
  genres?: readonly string[] | null;
  /** decorative posters (next to a visible title) are hidden from screen readers */
  decorative?: boolean;
  className?: string;
}

/** Poster is a generated placeholder: title, year and the genre's colour. */
export function Poster({ title, year, genres, decorative, className }: Props) {
  const id = useId().replace(/:/g, '');
  const [c1, c2] = genreColours(genres);
  const shown = displayTitle(title);
  const lines = wrapTitle(shown, 12, 4);
  const genre = genres?.[0] ?? '';
  const a11y = decorative
    ? { 'aria-hidden': true as const }
    : { role: 'img', 'aria-label': `Poster for ${shown}${year ? ` (${year})` : ''}` };
  return (
    <svg className={`poster ${className ?? ''}`} viewBox="0 0 200 300" preserveAspectRatio="xMidYMid slice" focusable="false" {...a11y}>
      <defs>
        <linearGradient id={`g${id}`} x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor={c2} />
          <stop offset="1" stopColor={c1} />
        </linearGradient>
      </defs>
      <rect width="200" height="300" fill={`url(#g${id})`} />
      <circle cx="170" cy="40" r="70" fill="#fff" opacity="0.08" />
      <circle cx="20" cy="280" r="90" fill="#000" opacity="0.12" />
      <text x="16" y="40" className="poster-genre" fill="#fff" opacity="0.85" fontSize="14" letterSpacing="2">
        {genre.toUpperCase()}
      </text>
      {lines.map((l, i) => (
        <text key={i} x="16" y={110 + i * 28} fill="#fff" fontSize="21" fontWeight="700">
          {l}
        </text>
      ))}
      {year ? (
        <text x="16" y="276" fill="#fff" fontSize="18" opacity="0.9">
          {year}
        </text>
      ) : null}
    </svg>
  );
}
