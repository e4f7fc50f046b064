DROP TABLE import_decisions;
ALTER TABLE import_jobs DROP COLUMN matched_by_content;
ALTER TABLE import_jobs DROP COLUMN matched_by_local;
ALTER TABLE import_jobs DROP COLUMN mode;
