// Turning a search answer's evidence into words a person reads.
import type { SearchFilter, SearchHit, SearchQuery, SearchResult } from '../api/types';

/** yearRange reads a filter value "1990-1999", "-1969" or "2001-" as words. */
export function yearRange(v: string): string {
  const m = /^(\d{0,4})-(\d{0,4})$/.exec(v);
  if (!m) return v;
  const [, lo, hi] = m;
  if (lo && hi) return lo === hi ? lo : `${lo}–${hi}`;
  if (hi) return `up to ${hi}`;
  if (lo) return `${lo} onwards`;
  return v;
}

/** filterLabel is the text of one parsed-filter chip. */
export function filterLabel(f: SearchFilter): string {
  switch (f.kind) {
    case 'genre':
      return `Genre: ${f.value}`;
    case 'exclude_genre':
      return `Not ${f.value}`;
    case 'years':
      return `Years: ${yearRange(f.value)}`;
    case 'year':
      return `Year: ${f.value}`;
    case 'like':
      return `Like: ${f.value}`;
    default:
      return `${f.kind}: ${f.value}`;
  }
}

const FIELD_NAMES: Record<string, string> = { title: 'title', genres: 'genres', tags: 'tags', overview: 'description' };

function listFields(fields: string[]): string {
  const names = fields.map((f) => FIELD_NAMES[f] ?? f);
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * reasons explains why a hit matched, strongest evidence first, from its
 * Why and the parsed query. It never returns an empty list: when only the
 * semantic retriever found the movie it says so.
 */
export function reasons(hit: SearchHit, query: SearchQuery, like?: SearchHit): string[] {
  const w = hit.why ?? {};
  const out: string[] = [];
  if (w.exact_title) out.push('Exact title match');
  for (const t of w.terms ?? []) {
    const where = listFields(t.fields ?? []);
    const inWhere = where ? ` in the ${where}` : '';
    if (t.typo) out.push(`“${t.query}” read as “${t.matched}”${inWhere}`);
    else if (t.prefix && t.matched !== t.query) out.push(`“${t.query}…” matched “${t.matched}”${inWhere}`);
    else out.push(`Matches “${t.matched}”${inWhere}`);
  }
  if (w.genres?.length) out.push(`Genre: ${w.genres.join(', ')}`);
  if (hit.year && (query.year_min || query.year_max)) {
    const lo = query.year_min || 0;
    const hi = query.year_max || 9999;
    if (hit.year >= lo && hit.year <= hi) {
      out.push(`Released ${hit.year}, within ${yearRange(`${query.year_min || ''}-${query.year_max || ''}`)}`);
    }
  }
  if (w.year_match && hit.year) out.push(`From ${hit.year}, the year you mentioned`);
  if (w.similar_to && w.similarity !== undefined) {
    const name = like && like.movie_id === w.similar_to ? like.title : `movie #${w.similar_to}`;
    out.push(`Liked by the same viewers as ${name} (similarity ${w.similarity.toFixed(2)})`);
  }
  const denseRank = w.ranks?.dense;
  if (w.dense !== undefined && (out.length === 0 || (denseRank !== undefined && denseRank <= 10))) {
    out.push(`Close in meaning to your words (cosine ${w.dense.toFixed(2)}${denseRank ? `, rank ${denseRank}` : ''})`);
  }
  if (w.personal !== undefined && w.personal !== null) out.push(`Ranked for you: model score ${w.personal.toFixed(2)}`);
  if (out.length === 0) {
    const found = Object.keys(w.ranks ?? {});
    out.push(found.length ? `Found by ${found.join(' and ')} search` : 'Matched your search');
  }
  return out;
}

/** summary is the line above the results. */
export function summary(res: SearchResult): string {
  const n = res.hits?.length ?? 0;
  const q = res.query.raw.trim();
  if (n === 0) return `No movies match “${q}”.`;
  return `${n} ${n === 1 ? 'movie matches' : 'movies match'} “${q}”${res.query.constraints_only ? ' (filters only, best rated first)' : ''}.`;
}
