-- Imports can be previewed: a preview job reads the file and records what each record
-- would become without writing the catalogue; committing it runs the same file as an
-- import. Two more match rules are counted: a local system number in a field the library
-- names (Koha's 999 $c, Evergreen's 901 $c) and the record's content fingerprint.
ALTER TABLE import_jobs ADD COLUMN mode TEXT NOT NULL DEFAULT 'import'
    CHECK (mode IN ('import', 'preview'));
ALTER TABLE import_jobs ADD COLUMN matched_by_local BIGINT NOT NULL DEFAULT 0;
ALTER TABLE import_jobs ADD COLUMN matched_by_content BIGINT NOT NULL DEFAULT 0;

-- What a preview found for each record of the file: new, overlaying or skipping a record
-- already in the catalogue (by which rule), or failed; and how many items it would add.
CREATE TABLE import_decisions (
    tenant_id TEXT NOT NULL,
    job_id TEXT NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    byte_offset BIGINT NOT NULL,
    control_number TEXT,
    title TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('new', 'overlay', 'skip', 'failed')),
    rule TEXT,
    matched_record_id TEXT,
    matched_position BIGINT,
    items BIGINT NOT NULL,
    PRIMARY KEY (job_id, position)
);
CREATE INDEX import_decisions_outcome ON import_decisions (tenant_id, job_id, outcome, position);
