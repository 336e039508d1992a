-- Movie Genie schema, SQLite. Keep in step with ../../postgres/migrations:
-- the same tables, columns and indexes, so store/sqlstore's SQL runs on both.

CREATE TABLE genres (
    genre_id INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE
);

CREATE TABLE movies (
    movie_id     INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    year         INTEGER,
    genres       TEXT NOT NULL DEFAULT '',      -- '|'-joined, for reads; movie_genres is for filters
    rating_count INTEGER NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_mean  REAL,
    imdb_id      INTEGER,
    tmdb_id      INTEGER,
    imdb_url     TEXT NOT NULL DEFAULT '',
    title_key    TEXT NOT NULL,                 -- store.TitleKeys: "the shawshank redemption"
    sort_key     TEXT NOT NULL                  -- without the article: "shawshank redemption"
);
CREATE INDEX movies_year ON movies (year, movie_id);
CREATE INDEX movies_popular ON movies (rating_count DESC, movie_id);
CREATE INDEX movies_title_key ON movies (title_key);
CREATE INDEX movies_sort_key ON movies (sort_key, movie_id);

CREATE TABLE movie_genres (
    movie_id INTEGER NOT NULL REFERENCES movies (movie_id),
    genre_id INTEGER NOT NULL REFERENCES genres (genre_id),
    PRIMARY KEY (movie_id, genre_id)
) WITHOUT ROWID;
CREATE INDEX movie_genres_genre ON movie_genres (genre_id, movie_id);

CREATE TABLE users (
    user_id    INTEGER PRIMARY KEY,             -- new app users get max(user_id) + 1
    age        INTEGER,
    gender     TEXT,
    occupation TEXT,
    zip_code   TEXT,
    source     TEXT NOT NULL CHECK (source IN ('dataset', 'app')),
    created_at INTEGER                          -- unix seconds, app users only
);

-- Dataset ratings and app feedback in one table: a user's history is one
-- indexed range scan in (ts, id) order.
CREATE TABLE interactions (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users (user_id),
    movie_id INTEGER NOT NULL REFERENCES movies (movie_id),
    kind     TEXT NOT NULL CHECK (kind IN ('rating', 'like', 'dislike', 'watched')),
    value    REAL CHECK ((kind = 'rating') = (value IS NOT NULL)),
    ts       INTEGER NOT NULL,                  -- unix seconds
    source   TEXT NOT NULL CHECK (source IN ('dataset', 'app'))
);
CREATE INDEX interactions_user_ts ON interactions (user_id, ts, id);
CREATE INDEX interactions_source ON interactions (source) WHERE source = 'app';

CREATE TABLE tags (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL,                  -- tags may come from users filtered out of users
    movie_id INTEGER NOT NULL REFERENCES movies (movie_id),
    tag      TEXT NOT NULL,
    ts       INTEGER NOT NULL
);
CREATE INDEX tags_movie ON tags (movie_id);

CREATE TABLE search_documents (
    movie_id INTEGER PRIMARY KEY REFERENCES movies (movie_id),
    title    TEXT NOT NULL,
    body     TEXT NOT NULL
);

CREATE TABLE model_versions (
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    metrics    TEXT NOT NULL CHECK (json_valid(metrics) AND json_type(metrics) = 'object'),
    created_at INTEGER NOT NULL,                -- unix milliseconds
    PRIMARY KEY (name, version)
);
CREATE INDEX model_versions_created ON model_versions (name, created_at);
