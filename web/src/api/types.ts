// Types of the Movie Genie API. Most come from schema.d.ts, which
// openapi-typescript generates from the server's /openapi.json
// (`npm run gen:api`); the search result and the metrics/histories payloads
// are raw JSON in the spec, so their shapes are written here to mirror the
// Go types (internal/search: Result, Hit, Why, Query, Filter; internal/eval
// MetricsJSON; training history.json files).
import type { components } from './schema';

type S = components['schemas'];

export type Movie = Omit<S['Movie'], '$schema'>;
export type Rec = S['Rec'];
export type RecList = S['RecList'];
export type BecauseList = Omit<S['BecauseOut'], 'because'> & { because: Movie | null };
export type GenreCount = S['GenreCount'];
export type Profile = S['Profile'];
export type User = S['User'];
export type UserStats = S['UserStats'];
export type HistoryItem = S['HistoryItem'];
export type HistoryPage = S['HistoryPage'];
export type Interaction = S['Interaction'];
export type UsersOut = S['UsersOut'];
export type MoviePage = S['MoviePage'];
export type NewUserBody = Omit<S['NewUserInBody'], '$schema'>;
export type NewUserOut = S['NewUserOut'];
export type FeedbackBody = Omit<S['FeedbackInBody'], '$schema'>;
export type FeedbackKind = FeedbackBody['kind'];
export type Problem = S['ErrorModel'];

/** internal/search.Filter */
export interface SearchFilter {
  kind: 'genre' | 'exclude_genre' | 'years' | 'year' | 'like' | string;
  value: string;
  source: string;
}

/** internal/search.Query */
export interface SearchQuery {
  raw: string;
  terms: string[] | null;
  genres?: string[];
  constraints_only?: boolean;
  exclude_genres?: string[];
  year_min?: number;
  year_max?: number;
  year_hint?: number;
  like?: string;
  filters?: SearchFilter[];
  notes?: string[];
}

/** internal/search.TermMatch */
export interface TermMatch {
  query: string;
  matched: string;
  fields: string[];
  typo?: boolean;
  prefix?: boolean;
}

/** internal/search.Why */
export interface Why {
  exact_title?: boolean;
  terms?: TermMatch[];
  title_coverage?: number;
  genres?: string[];
  year_match?: boolean;
  similar_to?: number;
  similarity?: number;
  dense?: number;
  ranks?: Record<string, number>;
  personal?: number;
}

/** internal/search.Hit */
export interface SearchHit {
  movie_id: number;
  title: string;
  year?: number;
  genres: string[] | null;
  score: number;
  why: Why;
}

/** internal/search.Result */
export interface SearchResult {
  query: SearchQuery;
  mode: string;
  like?: SearchHit;
  hits: SearchHit[] | null;
  notes?: string[];
}

/** metrics/eval.json: protocol -> model -> metric -> value (null when undefined). */
export type EvalTable = Record<string, Record<string, Record<string, number | null>>>;

/** GET /api/models */
export interface ModelsInfo {
  serving: Record<string, string>;
  metrics: EvalTable | null;
  /** model name -> its history.json, whose shape differs by model family */
  histories: Record<string, unknown> | null;
}
