//! The diesel description of identity's tables; `tests/schema.rs` checks it against
//! freshly migrated databases on both backends. It changes only with a migration.

diesel::table! {
    tenants (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        time_zone -> Text,
        contact_email -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        colour -> Nullable<Text>,
        phone -> Nullable<Text>,
        postal_address -> Nullable<Text>,
        website -> Nullable<Text>,
        accessibility_email -> Nullable<Text>,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        tenant_id -> Text,
        email -> Text,
        email_normalized -> Text,
        display_name -> Text,
        password_hash -> Nullable<Text>,
        roles -> Text,
        status -> Text,
        email_verified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        token_generation -> Integer,
        tokens_revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        tenant_id -> Text,
        account_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    one_time_tokens (id) {
        id -> Text,
        tenant_id -> Text,
        account_id -> Text,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(accounts -> tenants (tenant_id));
diesel::allow_tables_to_appear_in_same_query!(tenants, accounts, refresh_tokens, one_time_tokens);
