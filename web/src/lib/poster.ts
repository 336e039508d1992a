// Generated posters: posters are not available offline, so each movie gets
// a placeholder drawn from its title, year and main genre's colour.

const GENRE_COLOURS: Record<string, [string, string]> = {
  Action: ['#8f1d21', '#e0542e'],
  Adventure: ['#7a4a12', '#e39b2d'],
  Animation: ['#1d5f8f', '#45c1e0'],
  "Children's": ['#2f7d32', '#9ccc4a'],
  Comedy: ['#a36b00', '#f2c230'],
  Crime: ['#262a33', '#6b7385'],
  Documentary: ['#35524a', '#7fb7a4'],
  Drama: ['#4a2360', '#9c5bc2'],
  Fantasy: ['#3d2a7a', '#8c7ae6'],
  'Film-Noir': ['#111111', '#555555'],
  Horror: ['#2b0a0a', '#8a1212'],
  Musical: ['#7a1f5c', '#e05aa8'],
  Mystery: ['#1f2a4d', '#4e6bb8'],
  Romance: ['#8f2348', '#f07a9b'],
  'Sci-Fi': ['#0d3b4f', '#1fb5a8'],
  Thriller: ['#3a1e1e', '#b5552b'],
  War: ['#3d4526', '#8a9a4b'],
  Western: ['#6b3d1c', '#c98a4b'],
  unknown: ['#30343f', '#707789'],
};

/** genreColours returns the gradient of a movie's first known genre. */
export function genreColours(genres: readonly string[] | null | undefined): [string, string] {
  for (const g of genres ?? []) {
    const c = GENRE_COLOURS[g];
    if (c) return c;
  }
  return GENRE_COLOURS.unknown;
}

export function genreColour(genre: string): string {
  return (GENRE_COLOURS[genre] ?? GENRE_COLOURS.unknown)[1];
}

/**
 * wrapTitle breaks a title into at most maxLines lines of about width
 * characters, at spaces, ending with an ellipsis when cut.
 */
export function wrapTitle(title: string, width = 14, maxLines = 4): string[] {
  const words = title.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = '';
  for (let w of words) {
    while (w.length > width) {
      // a single long word: hard-break it
      if (cur) {
        lines.push(cur);
        cur = '';
      }
      lines.push(w.slice(0, width - 1) + '-');
      w = w.slice(width - 1);
    }
    if (!cur) cur = w;
    else if ((cur + ' ' + w).length <= width) cur += ' ' + w;
    else {
      lines.push(cur);
      cur = w;
    }
  }
  if (cur) lines.push(cur);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    const last = kept[maxLines - 1];
    kept[maxLines - 1] = (last.length >= width ? last.slice(0, width - 1) : last) + '…';
    return kept;
  }
  return lines;
}

/** displayTitle turns MovieLens' "Godfather, The" into "The Godfather". */
export function displayTitle(title: string): string {
  const m = /^(.*), (The|A|An|Les|La|Le|L'|Il|Das|Der|Die|El)$/.exec(title);
  if (m) return `${m[2]}${m[2].endsWith("'") ? '' : ' '}${m[1]}`;
  const p = /^(.*), (The|A|An|Les|La|Le|Il|Das|Der|Die|El) (\(.*\))$/.exec(title);
  if (p) return `${p[2]} ${p[1]} ${p[3]}`;
  return title;
}
