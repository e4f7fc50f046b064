-- An import lists its problems up to a limit (the catalogue's `import_problems_listed`
-- setting); beyond it, problems are counted here, not stored one by one, so a file of a
-- million broken records cannot fill the database with rows nobody reads. A summary
-- problem at the end of the list says how many more there were.
CREATE TABLE import_problem_counts (
    job_id TEXT NOT NULL PRIMARY KEY REFERENCES import_jobs (id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL,
    listed BIGINT NOT NULL,
    unlisted BIGINT NOT NULL
);
