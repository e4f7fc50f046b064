//! The diesel description of the library database's tables, for both wings of the
//! library service; `tests/schema.rs` checks it against freshly migrated databases on
//! both backends.

diesel::table! {
    branches (id) {
        id -> Text,
        tenant_id -> Text,
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        address -> Nullable<Text>,
        opening_hours -> Nullable<Text>,
    }
}

diesel::table! {
    shelving_locations (id) {
        id -> Text,
        tenant_id -> Text,
        branch_id -> Text,
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    vocabulary_terms (id) {
        id -> Text,
        tenant_id -> Text,
        vocabulary -> Text,
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    records (id) {
        id -> Text,
        tenant_id -> Text,
        kind -> Text,
        control_number -> Nullable<Text>,
        control_source -> Nullable<Text>,
        title -> Nullable<Text>,
        sort_title -> Nullable<Text>,
        primary_author -> Nullable<Text>,
        format -> Text,
        publication_year -> Nullable<Integer>,
        language -> Nullable<Text>,
        work_key -> Nullable<Text>,
        marc -> Text,
        description -> Text,
        version -> Integer,
        import_job_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    record_keys (tenant_id, kind, value, record_id) {
        tenant_id -> Text,
        kind -> Text,
        value -> Text,
        record_id -> Text,
    }
}

diesel::table! {
    heading_links (id) {
        id -> Text,
        tenant_id -> Text,
        record_id -> Text,
        tag -> Text,
        heading -> Text,
        authority_key -> Text,
        authority_id -> Nullable<Text>,
    }
}

diesel::table! {
    items (id) {
        id -> Text,
        tenant_id -> Text,
        record_id -> Text,
        barcode -> Text,
        branch_id -> Text,
        location_id -> Nullable<Text>,
        call_number -> Nullable<Text>,
        material_type_id -> Nullable<Text>,
        loan_type_id -> Nullable<Text>,
        copy_number -> Nullable<Text>,
        volume -> Nullable<Text>,
        price_minor -> Nullable<BigInt>,
        status -> Text,
        status_changed_at -> Timestamp,
        status_reason -> Nullable<Text>,
        public_note -> Nullable<Text>,
        staff_note -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    catalogue_settings (tenant_id) {
        tenant_id -> Text,
        item_mappings -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    import_jobs (id) {
        id -> Text,
        tenant_id -> Text,
        file_name -> Text,
        file_size -> BigInt,
        fingerprint -> Nullable<Text>,
        source_path -> Nullable<Text>,
        format -> Nullable<Text>,
        status -> Text,
        options -> Text,
        records_read -> BigInt,
        records_new -> BigInt,
        records_overlaid -> BigInt,
        records_skipped -> BigInt,
        records_failed -> BigInt,
        matched_by_control -> BigInt,
        matched_by_system -> BigInt,
        matched_by_isbn -> BigInt,
        items_created -> BigInt,
        items_failed -> BigInt,
        warnings -> BigInt,
        bytes_read -> BigInt,
        next_position -> BigInt,
        error -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        mode -> Text,
        matched_by_local -> BigInt,
        matched_by_content -> BigInt,
    }
}

diesel::table! {
    import_decisions (job_id, position) {
        tenant_id -> Text,
        job_id -> Text,
        position -> BigInt,
        byte_offset -> BigInt,
        control_number -> Nullable<Text>,
        title -> Nullable<Text>,
        outcome -> Text,
        rule -> Nullable<Text>,
        matched_record_id -> Nullable<Text>,
        matched_position -> Nullable<BigInt>,
        items -> BigInt,
    }
}

diesel::table! {
    import_problems (id) {
        id -> Text,
        tenant_id -> Text,
        job_id -> Text,
        position -> BigInt,
        byte_offset -> BigInt,
        control_number -> Nullable<Text>,
        severity -> Text,
        message -> Text,
    }
}

diesel::table! {
    import_problem_counts (job_id) {
        job_id -> Text,
        tenant_id -> Text,
        listed -> BigInt,
        unlisted -> BigInt,
    }
}

diesel::table! {
    change_events (position) {
        position -> BigInt,
        tenant_id -> Text,
        entity -> Text,
        entity_id -> Text,
        record_id -> Text,
        change -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::joinable!(items -> records (record_id));
diesel::joinable!(record_keys -> records (record_id));
diesel::joinable!(heading_links -> records (record_id));
