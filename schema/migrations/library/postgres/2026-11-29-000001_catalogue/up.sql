-- The library service's catalogue: branches and item vocabularies, bibliographic and
-- authority records (kept losslessly as MARC-in-JSON beside the fields extracted from
-- them), match keys, authority links, items, MARC import jobs and the change feed.
-- Every tenant-owned table carries tenant_id, and it leads every unique key.

CREATE TABLE branches (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, code)
);

CREATE TABLE shelving_locations (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    branch_id TEXT NOT NULL REFERENCES branches (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, branch_id, code)
);

-- Tenant-configurable lists: material types ('material_type') and loan types ('loan_type').
CREATE TABLE vocabulary_terms (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    vocabulary TEXT NOT NULL CHECK (vocabulary IN ('material_type', 'loan_type')),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, vocabulary, code)
);

CREATE TABLE records (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    control_number TEXT,
    control_source TEXT,
    title TEXT,
    sort_title TEXT,
    primary_author TEXT,
    format TEXT NOT NULL,
    publication_year INTEGER,
    language TEXT,
    work_key TEXT,
    marc TEXT NOT NULL,
    description TEXT NOT NULL,
    version INTEGER NOT NULL,
    import_job_id TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX records_tenant ON records (tenant_id, id);
CREATE INDEX records_tenant_work_key ON records (tenant_id, work_key);
CREATE INDEX records_tenant_updated ON records (tenant_id, updated_at);

-- Keys an import matches incoming records on: 'control' (003|001), 'system' (035 $a),
-- 'isbn' (ISBN-13), 'issn', and 'authority' (the numbers headings link authorities by).
CREATE TABLE record_keys (
    tenant_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    record_id TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, kind, value, record_id)
);
-- Covering, so that SQLite prefers it to the primary key for look-ups by record.
CREATE INDEX record_keys_record ON record_keys (record_id, tenant_id, kind, value);

-- A heading (1XX/6XX/7XX/8XX) that names an authority record by $0 or $9; authority_id
-- is filled in once that authority record is in the catalogue.
CREATE TABLE heading_links (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    record_id TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    heading TEXT NOT NULL,
    authority_key TEXT NOT NULL,
    authority_id TEXT REFERENCES records (id) ON DELETE SET NULL
);
CREATE INDEX heading_links_record ON heading_links (record_id, tenant_id);
CREATE INDEX heading_links_key ON heading_links (tenant_id, authority_key);
CREATE INDEX heading_links_authority ON heading_links (authority_id);

CREATE TABLE items (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    record_id TEXT NOT NULL REFERENCES records (id),
    barcode TEXT NOT NULL,
    branch_id TEXT NOT NULL REFERENCES branches (id),
    location_id TEXT REFERENCES shelving_locations (id),
    call_number TEXT,
    material_type_id TEXT REFERENCES vocabulary_terms (id),
    loan_type_id TEXT REFERENCES vocabulary_terms (id),
    copy_number TEXT,
    volume TEXT,
    price_minor BIGINT,
    status TEXT NOT NULL CHECK (status IN ('available', 'on_loan', 'on_hold_shelf',
        'in_transit', 'missing', 'lost', 'withdrawn', 'in_processing')),
    status_changed_at TIMESTAMP NOT NULL,
    status_reason TEXT,
    public_note TEXT,
    staff_note TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, barcode)
);
CREATE INDEX items_record ON items (record_id, tenant_id, barcode);

-- Per-tenant catalogue settings: how embedded holdings fields become items.
CREATE TABLE catalogue_settings (
    tenant_id TEXT PRIMARY KEY NOT NULL,
    item_mappings TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE import_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    fingerprint TEXT,
    source_path TEXT,
    format TEXT,
    status TEXT NOT NULL CHECK (status IN ('uploading', 'queued', 'running', 'completed',
        'failed')),
    options TEXT NOT NULL,
    records_read BIGINT NOT NULL,
    records_new BIGINT NOT NULL,
    records_overlaid BIGINT NOT NULL,
    records_skipped BIGINT NOT NULL,
    records_failed BIGINT NOT NULL,
    matched_by_control BIGINT NOT NULL,
    matched_by_system BIGINT NOT NULL,
    matched_by_isbn BIGINT NOT NULL,
    items_created BIGINT NOT NULL,
    items_failed BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    bytes_read BIGINT NOT NULL,
    next_position BIGINT NOT NULL,
    error TEXT,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX import_jobs_tenant ON import_jobs (tenant_id, id);

CREATE TABLE import_problems (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    job_id TEXT NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    byte_offset BIGINT NOT NULL,
    control_number TEXT,
    severity TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
    message TEXT NOT NULL
);
CREATE INDEX import_problems_job ON import_problems (job_id, position, id);

-- The change feed: one row per change to a record or an item, appended in the same
-- transaction as the change. Consumers read after their own saved position. Writers take
-- a transaction-level advisory lock before appending, so positions are handed out in
-- commit order and a consumer never skips a row that commits late.
CREATE TABLE change_events (
    position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    entity TEXT NOT NULL CHECK (entity IN ('record', 'item')),
    entity_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('created', 'updated', 'deleted', 'status_changed')),
    occurred_at TIMESTAMP NOT NULL
);
