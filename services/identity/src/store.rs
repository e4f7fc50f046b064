//! Diesel queries on identity's tables. Every query on a tenant-owned table takes a
//! [`TenantScope`] and filters by it, and every insert into one stamps `tenant_id` from
//! it: the `New…` rows callers fill in have no tenant id. `tenants` itself is the registry
//! of tenants. No rules live here: what to write is decided by the service.
//!
//! Look-ups by a unique key use `get_result(..).optional()`, not `first(..)`: `first` binds
//! `LIMIT ?`, and SQLite re-plans a cached statement whenever that bound value is bound
//! again, which cost about 55 µs per query.

use athenaeum_auth::TenantScope;
use athenaeum_db::{DbConnection, DbError};
use athenaeum_kernel::Timestamp;
use diesel::prelude::*;

use crate::domain::{AccountState, LinkPurpose, TenantState};
use crate::schema::{accounts, one_time_tokens, refresh_tokens, tenants};

/// A row of `tenants`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = tenants)]
pub struct TenantRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub time_zone: String,
    pub contact_email: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: TenantState,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub colour: Option<String>,
    pub phone: Option<String>,
    pub postal_address: Option<String>,
    pub website: Option<String>,
    pub accessibility_email: Option<String>,
}

/// A change to a tenant's profile: `None` leaves a column as it is, and for the columns
/// that may be empty `Some(None)` empties it.
#[derive(Debug, Clone, Default, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = tenants)]
pub struct ProfileChange {
    pub name: Option<String>,
    pub contact_email: Option<String>,
    pub colour: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub postal_address: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub accessibility_email: Option<Option<String>>,
    pub updated_at: Timestamp,
}

/// A row of `accounts` as read.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub email_normalized: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub roles: String,
    #[diesel(deserialize_as = String)]
    pub status: AccountState,
    pub email_verified_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Raised each time the account is signed out everywhere; tokens carry it.
    pub token_generation: i32,
}

/// A new account, for [`insert_account`]; its tenant is the scope's. Its email is not
/// verified yet.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = accounts)]
pub struct NewAccount {
    pub id: String,
    pub email: String,
    pub email_normalized: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub roles: String,
    #[diesel(serialize_as = String)]
    pub status: AccountState,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A row of `refresh_tokens` as read.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: String,
    pub tenant_id: String,
    pub account_id: String,
    pub family_id: String,
    pub token_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// A new refresh token, for [`insert_refresh_token`]; its tenant is the scope's.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken {
    pub id: String,
    pub account_id: String,
    pub family_id: String,
    pub token_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A row of `one_time_tokens` as read.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = one_time_tokens)]
pub struct OneTimeTokenRow {
    pub id: String,
    pub tenant_id: String,
    pub account_id: String,
    #[diesel(deserialize_as = String)]
    pub purpose: LinkPurpose,
    pub token_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

/// A new one-time token, for [`insert_one_time_token`]; its tenant is the scope's.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = one_time_tokens)]
pub struct NewOneTimeToken {
    pub id: String,
    pub account_id: String,
    #[diesel(serialize_as = String)]
    pub purpose: LinkPurpose,
    pub token_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

// ---- tenants ----------------------------------------------------------------------

/// Inserts a tenant; `UniqueViolation` if the slug is taken.
pub fn insert_tenant(connection: &mut DbConnection, row: &TenantRow) -> Result<(), DbError> {
    diesel::insert_into(tenants::table).values(row.clone()).execute(connection)?;
    Ok(())
}

/// Returns the tenant with this slug.
pub fn find_tenant_by_slug(
    connection: &mut DbConnection,
    slug: &str,
) -> Result<Option<TenantRow>, DbError> {
    Ok(tenants::table
        .filter(tenants::slug.eq(slug))
        .select(TenantRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns the tenant with this id.
pub fn find_tenant(connection: &mut DbConnection, id: &str) -> Result<Option<TenantRow>, DbError> {
    Ok(tenants::table.find(id).select(TenantRow::as_select()).get_result(connection).optional()?)
}

/// Returns up to `limit` tenants after the cursor id, oldest first.
pub fn list_tenants(
    connection: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<TenantRow>, DbError> {
    let mut query =
        tenants::table.select(TenantRow::as_select()).order(tenants::id.asc()).into_boxed();
    if let Some(after) = after {
        query = query.filter(tenants::id.gt(after.to_string()));
    }
    Ok(query.limit(limit).load(connection)?)
}

/// Changes a tenant's profile; returns the rows changed.
pub fn update_tenant_profile(
    connection: &mut DbConnection,
    id: &str,
    change: &ProfileChange,
) -> Result<usize, DbError> {
    Ok(diesel::update(tenants::table.find(id)).set(change).execute(connection)?)
}

/// Returns up to `limit` tenants in service other than `except` (the platform's own), by
/// name and then slug, after the tenant named `after` (name, slug).
///
/// Cost: one range scan of the `tenants_directory` index.
pub fn list_tenants_in_service(
    connection: &mut DbConnection,
    except: &str,
    after: Option<(&str, &str)>,
    limit: i64,
) -> Result<Vec<TenantRow>, DbError> {
    let mut query = tenants::table
        .filter(tenants::status.eq(TenantState::Active.as_str()))
        .filter(tenants::id.ne(except.to_string()))
        .select(TenantRow::as_select())
        .order((tenants::name.asc(), tenants::slug.asc()))
        .into_boxed();
    if let Some((name, slug)) = after {
        query = query.filter(
            tenants::name
                .gt(name.to_string())
                .or(tenants::name.eq(name.to_string()).and(tenants::slug.gt(slug.to_string()))),
        );
    }
    Ok(query.limit(limit).load(connection)?)
}

/// Sets a tenant's status; returns the rows changed.
pub fn update_tenant_status(
    connection: &mut DbConnection,
    id: &str,
    status: TenantState,
    now: Timestamp,
) -> Result<usize, DbError> {
    Ok(diesel::update(tenants::table.find(id))
        .set((tenants::status.eq(status.as_str()), tenants::updated_at.eq(now)))
        .execute(connection)?)
}

// ---- accounts ---------------------------------------------------------------------

/// Inserts an account into the scope's tenant and returns it as stored;
/// `UniqueViolation` if the email is taken there.
pub fn insert_account(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: NewAccount,
) -> Result<AccountRow, DbError> {
    diesel::insert_into(accounts::table)
        .values((accounts::tenant_id.eq(scope.tenant_id()), row.clone()))
        .execute(connection)?;
    Ok(AccountRow {
        id: row.id,
        tenant_id: scope.tenant_id().to_string(),
        email: row.email,
        email_normalized: row.email_normalized,
        display_name: row.display_name,
        password_hash: row.password_hash,
        roles: row.roles,
        status: row.status,
        email_verified_at: None,
        created_at: row.created_at,
        updated_at: row.updated_at,
        token_generation: 0,
    })
}

/// Returns the account with this id in the scope's tenant.
pub fn find_account(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
) -> Result<Option<AccountRow>, DbError> {
    Ok(accounts::table
        .filter(accounts::tenant_id.eq(scope.tenant_id()))
        .filter(accounts::id.eq(id))
        .select(AccountRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns the account with this normalised email in the scope's tenant.
pub fn find_account_by_email(
    connection: &mut DbConnection,
    scope: &TenantScope,
    email_normalized: &str,
) -> Result<Option<AccountRow>, DbError> {
    Ok(accounts::table
        .filter(accounts::tenant_id.eq(scope.tenant_id()))
        .filter(accounts::email_normalized.eq(email_normalized))
        .select(AccountRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns up to `limit` accounts of the scope's tenant after the cursor id.
pub fn list_accounts(
    connection: &mut DbConnection,
    scope: &TenantScope,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<AccountRow>, DbError> {
    let mut query = accounts::table
        .filter(accounts::tenant_id.eq(scope.tenant_id().to_string()))
        .select(AccountRow::as_select())
        .order(accounts::id.asc())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(accounts::id.gt(after.to_string()));
    }
    Ok(query.limit(limit).load(connection)?)
}

/// The account with this id in the scope's tenant, as a target for updates.
#[diesel::dsl::auto_type(no_type_alias)]
fn account_by_id<'a>(scope: &'a TenantScope, id: &'a str) -> _ {
    let tenant_id: &'a str = scope.tenant_id();
    accounts::table.filter(accounts::tenant_id.eq(tenant_id)).filter(accounts::id.eq(id))
}

/// Replaces an account's roles; returns the rows changed.
pub fn update_account_roles(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    roles: &str,
    now: Timestamp,
) -> Result<usize, DbError> {
    Ok(diesel::update(account_by_id(scope, id))
        .set((accounts::roles.eq(roles), accounts::updated_at.eq(now)))
        .execute(connection)?)
}

/// Sets an account's status; returns the rows changed.
pub fn update_account_status(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    status: AccountState,
    now: Timestamp,
) -> Result<usize, DbError> {
    Ok(diesel::update(account_by_id(scope, id))
        .set((accounts::status.eq(status.as_str()), accounts::updated_at.eq(now)))
        .execute(connection)?)
}

/// Stores a new password hash.
pub fn update_password(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    password_hash: &str,
    now: Timestamp,
) -> Result<usize, DbError> {
    Ok(diesel::update(account_by_id(scope, id))
        .set((accounts::password_hash.eq(password_hash), accounts::updated_at.eq(now)))
        .execute(connection)?)
}

/// Signs an account out everywhere: raises its token generation, so that every access
/// token issued before is refused, and notes when. Returns the rows changed.
pub fn revoke_account_tokens(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    now: Timestamp,
) -> Result<usize, DbError> {
    Ok(diesel::update(account_by_id(scope, id))
        .set((
            accounts::token_generation.eq(accounts::token_generation + 1),
            accounts::tokens_revoked_at.eq(Some(now)),
        ))
        .execute(connection)?)
}

/// Records that the account's email address is confirmed.
pub fn mark_email_verified(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    now: Timestamp,
) -> Result<usize, DbError> {
    Ok(diesel::update(account_by_id(scope, id).filter(accounts::email_verified_at.is_null()))
        .set((accounts::email_verified_at.eq(Some(now)), accounts::updated_at.eq(now)))
        .execute(connection)?)
}

// ---- refresh tokens ---------------------------------------------------------------

/// Inserts a refresh token into the scope's tenant.
pub fn insert_refresh_token(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &NewRefreshToken,
) -> Result<(), DbError> {
    diesel::insert_into(refresh_tokens::table)
        .values((refresh_tokens::tenant_id.eq(scope.tenant_id()), row))
        .execute(connection)?;
    Ok(())
}

/// Returns the refresh token with this hash in the scope's tenant.
pub fn find_refresh_token(
    connection: &mut DbConnection,
    scope: &TenantScope,
    token_hash: &str,
) -> Result<Option<RefreshTokenRow>, DbError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::tenant_id.eq(scope.tenant_id()))
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Marks a refresh token used if it was not yet; returns 1 when this call did it, 0 when
/// it had already been used (a replay).
pub fn mark_refresh_token_used(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    now: Timestamp,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::tenant_id.eq(scope.tenant_id()))
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Some(now)))
    .execute(connection)?)
}

/// Revokes every token of a family; returns how many were still live.
pub fn revoke_family(
    connection: &mut DbConnection,
    scope: &TenantScope,
    family_id: &str,
    now: Timestamp,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::tenant_id.eq(scope.tenant_id()))
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(now)))
    .execute(connection)?)
}

/// Revokes every refresh token of an account (sign out everywhere).
pub fn revoke_account_sessions(
    connection: &mut DbConnection,
    scope: &TenantScope,
    account_id: &str,
    now: Timestamp,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::tenant_id.eq(scope.tenant_id()))
            .filter(refresh_tokens::account_id.eq(account_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(now)))
    .execute(connection)?)
}

// ---- one-time tokens --------------------------------------------------------------

/// Inserts a one-time token into the scope's tenant.
pub fn insert_one_time_token(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: NewOneTimeToken,
) -> Result<(), DbError> {
    diesel::insert_into(one_time_tokens::table)
        .values((one_time_tokens::tenant_id.eq(scope.tenant_id()), row))
        .execute(connection)?;
    Ok(())
}

/// Returns the live (unused, unexpired) token of `purpose` with this hash, without
/// using it up.
pub fn find_live_one_time_token(
    connection: &mut DbConnection,
    scope: &TenantScope,
    token_hash: &str,
    purpose: LinkPurpose,
    now: Timestamp,
) -> Result<Option<OneTimeTokenRow>, DbError> {
    Ok(one_time_tokens::table
        .filter(one_time_tokens::tenant_id.eq(scope.tenant_id()))
        .filter(one_time_tokens::token_hash.eq(token_hash))
        .filter(one_time_tokens::purpose.eq(purpose.as_str()))
        .filter(one_time_tokens::used_at.is_null())
        .filter(one_time_tokens::expires_at.gt(now))
        .select(OneTimeTokenRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Uses up a live token of `purpose` with this hash: marks it used and returns its
/// account id, or `None` when there is no such token or it was used or has expired.
/// Of two concurrent uses, exactly one succeeds.
pub fn consume_one_time_token(
    connection: &mut DbConnection,
    scope: &TenantScope,
    token_hash: &str,
    purpose: LinkPurpose,
    now: Timestamp,
) -> Result<Option<String>, DbError> {
    let Some(token) = find_live_one_time_token(connection, scope, token_hash, purpose, now)? else {
        return Ok(None);
    };
    let claimed = diesel::update(
        one_time_tokens::table
            .filter(one_time_tokens::tenant_id.eq(scope.tenant_id()))
            .filter(one_time_tokens::id.eq(&token.id))
            .filter(one_time_tokens::used_at.is_null()),
    )
    .set(one_time_tokens::used_at.eq(Some(now)))
    .execute(connection)?;
    Ok((claimed == 1).then_some(token.account_id))
}

/// Retires an account's unused tokens of `purpose`, so only the newest link works.
pub fn retire_one_time_tokens(
    connection: &mut DbConnection,
    scope: &TenantScope,
    account_id: &str,
    purpose: LinkPurpose,
    now: Timestamp,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        one_time_tokens::table
            .filter(one_time_tokens::tenant_id.eq(scope.tenant_id()))
            .filter(one_time_tokens::account_id.eq(account_id))
            .filter(one_time_tokens::purpose.eq(purpose.as_str()))
            .filter(one_time_tokens::used_at.is_null()),
    )
    .set(one_time_tokens::used_at.eq(Some(now)))
    .execute(connection)?)
}

// ---- revocations ------------------------------------------------------------------
//
// These three read across every tenant on purpose: they list what every process must
// refuse, whichever library a token belongs to. They return ids, generations and names
// only, and no operation hands a caller anything but this list.

/// An account signed out everywhere since a moment, with its token generation now.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct RevokedAccountRow {
    pub id: String,
    pub token_generation: i32,
}

/// A suspended tenant's id and name.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct SuspendedTenantRow {
    pub id: String,
    pub name: String,
}

/// Returns the accounts, of every tenant, signed out everywhere after `since`.
pub fn accounts_revoked_since(
    connection: &mut DbConnection,
    since: Timestamp,
) -> Result<Vec<RevokedAccountRow>, DbError> {
    Ok(accounts::table
        .filter(accounts::tokens_revoked_at.gt(since))
        .select((accounts::id, accounts::token_generation))
        .load(connection)?)
}

/// Returns the sessions (refresh-token families), of every tenant, revoked after `since`,
/// each once.
pub fn sessions_revoked_since(
    connection: &mut DbConnection,
    since: Timestamp,
) -> Result<Vec<String>, DbError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::revoked_at.gt(since))
        .select(refresh_tokens::family_id)
        .distinct()
        .load(connection)?)
}

/// Returns every suspended tenant.
pub fn suspended_tenants(
    connection: &mut DbConnection,
) -> Result<Vec<SuspendedTenantRow>, DbError> {
    Ok(tenants::table
        .filter(tenants::status.eq(TenantState::Suspended.as_str()))
        .select((tenants::id, tenants::name))
        .load(connection)?)
}
