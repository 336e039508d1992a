-- Which catalogue the database was last synced from. genie serve keeps the
-- app's rows in its own database file and copies the dataset's rows from
-- the pipeline's catalogue (data/catalog.db, written by genie db setup)
-- whenever that file changes; this row says which version it copied.
-- (PostgreSQL is loaded by genie db setup directly and leaves it empty.)
CREATE TABLE catalog_sync (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    catalog   TEXT NOT NULL,
    version   TEXT NOT NULL,
    synced_at BIGINT NOT NULL                  -- unix milliseconds
);
