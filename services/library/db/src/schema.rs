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

// ---- circulation ----------------------------------------------------------------------

diesel::table! {
    circulation_settings (tenant_id) {
        tenant_id -> Text,
        time_zone -> Text,
        currency -> Text,
        courtesy_notice_days -> Integer,
        refund_lost_fee_on_return -> Bool,
        confirm_registrations -> Bool,
        registration_group_id -> Nullable<Text>,
        updated_at -> Timestamp,
        library_name -> Nullable<Text>,
    }
}

diesel::table! {
    patron_groups (id) {
        id -> Text,
        tenant_id -> Text,
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    patrons (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        name_key -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        home_branch_id -> Text,
        patron_group_id -> Text,
        expires_on -> Nullable<Date>,
        staff_note -> Nullable<Text>,
        status -> Text,
        account_id -> Nullable<Text>,
        keep_history -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    patron_cards (tenant_id, barcode) {
        tenant_id -> Text,
        barcode -> Text,
        patron_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    patron_blocks (id) {
        id -> Text,
        tenant_id -> Text,
        patron_id -> Text,
        reason -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        lifted_by -> Nullable<Text>,
        lifted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    loan_rules (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        branch_id -> Nullable<Text>,
        patron_group_id -> Nullable<Text>,
        material_type_id -> Nullable<Text>,
        loan_type_id -> Nullable<Text>,
        scope_key -> Text,
        terms -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    branch_calendars (tenant_id, branch_id) {
        tenant_id -> Text,
        branch_id -> Text,
        weekly_hours -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    closed_dates (tenant_id, branch_id, closed_on) {
        tenant_id -> Text,
        branch_id -> Text,
        closed_on -> Date,
        name -> Text,
    }
}

diesel::table! {
    loans (id) {
        id -> Text,
        tenant_id -> Text,
        item_id -> Text,
        record_id -> Text,
        patron_id -> Nullable<Text>,
        patron_group_id -> Text,
        material_type_id -> Nullable<Text>,
        branch_id -> Text,
        rule_id -> Nullable<Text>,
        checked_out_at -> Timestamp,
        checked_out_on -> Date,
        due_at -> Timestamp,
        renewals -> Integer,
        last_renewed_at -> Nullable<Timestamp>,
        returned_at -> Nullable<Timestamp>,
        return_branch_id -> Nullable<Text>,
        lost_at -> Nullable<Timestamp>,
        fine_charged -> BigInt,
        override_reason -> Nullable<Text>,
        override_by -> Nullable<Text>,
        checked_out_by -> Nullable<Text>,
        version -> Integer,
    }
}

diesel::table! {
    holds (id) {
        id -> Text,
        tenant_id -> Text,
        patron_id -> Text,
        level -> Text,
        record_id -> Text,
        work_key -> Nullable<Text>,
        item_id -> Nullable<Text>,
        pickup_branch_id -> Text,
        status -> Text,
        placed_at -> Timestamp,
        expires_on -> Nullable<Date>,
        ready_at -> Nullable<Timestamp>,
        pickup_by -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        closed_reason -> Nullable<Text>,
        placed_by -> Nullable<Text>,
        override_reason -> Nullable<Text>,
        version -> Integer,
    }
}

diesel::table! {
    transits (id) {
        id -> Text,
        tenant_id -> Text,
        item_id -> Text,
        from_branch_id -> Text,
        to_branch_id -> Text,
        hold_id -> Nullable<Text>,
        sent_at -> Timestamp,
        received_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    account_lines (id) {
        id -> Text,
        tenant_id -> Text,
        patron_id -> Text,
        kind -> Text,
        amount -> BigInt,
        description -> Text,
        loan_id -> Nullable<Text>,
        item_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notices (id) {
        id -> Text,
        tenant_id -> Text,
        event_key -> Text,
        kind -> Text,
        patron_id -> Text,
        mail_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(patron_cards -> patrons (patron_id));
diesel::joinable!(patron_blocks -> patrons (patron_id));
diesel::joinable!(holds -> patrons (patron_id));
diesel::joinable!(account_lines -> patrons (patron_id));
diesel::allow_tables_to_appear_in_same_query!(
    patrons,
    patron_cards,
    patron_blocks,
    patron_groups,
    loans,
    holds,
    account_lines,
    loan_rules,
);
