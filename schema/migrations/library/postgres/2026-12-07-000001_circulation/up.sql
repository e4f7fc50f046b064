-- Circulation, the library service's second wing: patrons and their cards, groups and
-- blocks; loan rules and branch calendars; loans, holds and the patron's account of
-- fines, fees and payments. Every tenant-owned table carries tenant_id, and it leads
-- every unique key. Circulation reads the catalogue's items but writes only these tables.

-- A library's settings for circulation: the time zone due dates are computed in, the
-- currency fines are shown in, and its choices.
CREATE TABLE circulation_settings (
    tenant_id TEXT PRIMARY KEY NOT NULL,
    time_zone TEXT NOT NULL,
    currency TEXT NOT NULL,
    courtesy_notice_days INTEGER NOT NULL,
    refund_lost_fee_on_return BOOLEAN NOT NULL,
    confirm_registrations BOOLEAN NOT NULL,
    registration_group_id TEXT,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE patron_groups (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, code)
);

-- A patron of one library. account_id links an online account (identity's), when the
-- patron has one; walk-in patrons have none. name_key is the name folded for searching.
CREATE TABLE patrons (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    address TEXT,
    home_branch_id TEXT NOT NULL REFERENCES branches (id),
    patron_group_id TEXT NOT NULL REFERENCES patron_groups (id),
    expires_on DATE,
    staff_note TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'provisional', 'inactive')),
    account_id TEXT,
    keep_history BOOLEAN NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, account_id)
);
CREATE INDEX patrons_name ON patrons (tenant_id, name_key);
CREATE INDEX patrons_email ON patrons (tenant_id, email);

-- A patron's library cards; a barcode names one patron within the library.
CREATE TABLE patron_cards (
    tenant_id TEXT NOT NULL,
    barcode TEXT NOT NULL,
    patron_id TEXT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, barcode)
);
CREATE INDEX patron_cards_patron ON patron_cards (patron_id);

-- Blocks staff put on a patron by hand, with the reason and who; lifted ones are kept.
CREATE TABLE patron_blocks (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    patron_id TEXT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    lifted_by TEXT,
    lifted_at TIMESTAMP
);
CREATE INDEX patron_blocks_patron ON patron_blocks (patron_id, lifted_at);

-- Loan rules: each names a branch, patron group, material type and loan type, or none
-- (any). scope_key joins the four ('' for any) so one scope has one rule. terms is the
-- rule's terms as JSON.
CREATE TABLE loan_rules (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    branch_id TEXT REFERENCES branches (id),
    patron_group_id TEXT REFERENCES patron_groups (id),
    material_type_id TEXT REFERENCES vocabulary_terms (id),
    loan_type_id TEXT REFERENCES vocabulary_terms (id),
    scope_key TEXT NOT NULL,
    terms TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, scope_key)
);

-- A branch's weekly opening hours (JSON, Monday first; absent when none are set) and
-- the dates it is closed.
CREATE TABLE branch_calendars (
    tenant_id TEXT NOT NULL,
    branch_id TEXT NOT NULL REFERENCES branches (id),
    weekly_hours TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, branch_id)
);

CREATE TABLE closed_dates (
    tenant_id TEXT NOT NULL,
    branch_id TEXT NOT NULL REFERENCES branches (id),
    closed_on DATE NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (tenant_id, branch_id, closed_on)
);

-- Loans. patron_id is cleared when the loan is anonymised at checkin (unless the patron
-- keeps their history); the loan keeps its item, branch, patron group and dates, which
-- are what the statistics count. At most one open loan per item, enforced here.
CREATE TABLE loans (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    patron_id TEXT REFERENCES patrons (id) ON DELETE SET NULL,
    patron_group_id TEXT NOT NULL,
    material_type_id TEXT,
    branch_id TEXT NOT NULL,
    rule_id TEXT,
    checked_out_at TIMESTAMP NOT NULL,
    checked_out_on DATE NOT NULL,
    due_at TIMESTAMP NOT NULL,
    renewals INTEGER NOT NULL,
    last_renewed_at TIMESTAMP,
    returned_at TIMESTAMP,
    return_branch_id TEXT,
    lost_at TIMESTAMP,
    fine_charged BIGINT NOT NULL,
    override_reason TEXT,
    override_by TEXT,
    checked_out_by TEXT,
    version INTEGER NOT NULL
);
CREATE UNIQUE INDEX loans_one_open_per_item ON loans (tenant_id, item_id) WHERE returned_at IS NULL;
CREATE INDEX loans_patron ON loans (tenant_id, patron_id, returned_at);
CREATE INDEX loans_item ON loans (tenant_id, item_id, checked_out_at);
CREATE INDEX loans_due ON loans (tenant_id, returned_at, due_at);
CREATE INDEX loans_day ON loans (tenant_id, checked_out_on, branch_id);

-- Holds: on a title (record_id, and work_key when any record of the same work will do)
-- or on one copy (item_id set at placing). item_id is also the copy a title hold has been
-- given once it is in transit or on the holds shelf; a copy fills one hold at a time.
CREATE TABLE holds (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    patron_id TEXT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    level TEXT NOT NULL CHECK (level IN ('title', 'copy')),
    record_id TEXT NOT NULL,
    work_key TEXT,
    item_id TEXT,
    pickup_branch_id TEXT NOT NULL REFERENCES branches (id),
    status TEXT NOT NULL CHECK (status IN ('waiting', 'in_transit', 'ready', 'fulfilled',
        'cancelled', 'expired')),
    placed_at TIMESTAMP NOT NULL,
    expires_on DATE,
    ready_at TIMESTAMP,
    pickup_by TIMESTAMP,
    closed_at TIMESTAMP,
    closed_reason TEXT,
    placed_by TEXT,
    override_reason TEXT,
    version INTEGER NOT NULL
);
CREATE INDEX holds_queue ON holds (tenant_id, record_id, status, placed_at);
CREATE INDEX holds_work_queue ON holds (tenant_id, work_key, status, placed_at);
CREATE INDEX holds_patron ON holds (tenant_id, patron_id, status);
CREATE INDEX holds_status ON holds (tenant_id, status, pickup_branch_id);
CREATE UNIQUE INDEX holds_one_per_copy ON holds (tenant_id, item_id)
    WHERE status IN ('in_transit', 'ready');

-- Copies travelling between branches: to fill a hold at another branch, or home after a
-- return elsewhere. At most one open transit per copy.
CREATE TABLE transits (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    from_branch_id TEXT NOT NULL,
    to_branch_id TEXT NOT NULL,
    hold_id TEXT,
    sent_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP
);
CREATE UNIQUE INDEX transits_one_open_per_item ON transits (tenant_id, item_id)
    WHERE received_at IS NULL;
CREATE INDEX transits_to ON transits (tenant_id, to_branch_id, received_at);

-- A patron's account: charges (overdue fines, lost-item and processing fees) are
-- positive, payments, waivers and refunds negative; the balance is their sum.
CREATE TABLE account_lines (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL,
    patron_id TEXT NOT NULL REFERENCES patrons (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('overdue_fine', 'lost_item_fee', 'processing_fee',
        'payment', 'waiver', 'refund')),
    amount BIGINT NOT NULL,
    description TEXT NOT NULL,
    loan_id TEXT,
    item_id TEXT,
    created_by TEXT,
    reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX account_lines_patron ON account_lines (tenant_id, patron_id, created_at);
