-- Browse by year (unknown years last) and the model registry's newest-first
-- listing without a sort step.
CREATE INDEX movies_year_sort ON movies ((year IS NULL), year, movie_id);
DROP INDEX model_versions_created;
CREATE INDEX model_versions_created ON model_versions (name, created_at, version);
