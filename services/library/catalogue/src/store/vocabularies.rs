//! Branches, shelving locations and the tenant's lists of terms.

use athenaeum_auth::{ReadScope, TenantScope};
use athenaeum_db::DbConnection;
use athenaeum_kernel::Timestamp;
use athenaeum_library_db::schema::{branches, shelving_locations, vocabulary_terms};
use diesel::prelude::*;

use super::Outcome;
use crate::api::Vocabulary;

/// A row of `branches`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = branches)]
pub struct BranchRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub address: Option<String>,
    pub opening_hours: Option<String>,
}

/// What saving a branch changes of one that exists: its code and name always, its
/// visitor information only where the request said something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchChange<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// `None` keeps the address; `Some(None)` removes it.
    pub address: Option<Option<&'a str>>,
    /// `None` keeps the opening hours; `Some(None)` removes them.
    pub opening_hours: Option<Option<&'a str>>,
}

/// A row of `shelving_locations`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = shelving_locations)]
pub struct LocationRow {
    pub id: String,
    pub branch_id: String,
    pub code: String,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A row of `vocabulary_terms`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = vocabulary_terms)]
pub struct TermRow {
    pub id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub vocabulary: Vocabulary,
    pub code: String,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Inserts a branch; `UniqueViolation` if the code is taken.
pub fn insert_branch(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &BranchRow,
) -> Outcome<()> {
    insert_for_tenant!(connection, scope, branches, std::slice::from_ref(row));
    Ok(())
}

/// Changes a branch; returns the rows changed.
pub fn update_branch(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    change: &BranchChange<'_>,
    now: Timestamp,
) -> Outcome<usize> {
    let target = || {
        branches::table
            .filter(branches::tenant_id.eq(scope.tenant_id()))
            .filter(branches::id.eq(id))
    };
    let changed = diesel::update(target())
        .set((
            branches::code.eq(change.code),
            branches::name.eq(change.name),
            branches::updated_at.eq(now),
        ))
        .execute(connection)?;
    if changed == 0 {
        return Ok(0);
    }
    if let Some(address) = change.address {
        diesel::update(target()).set(branches::address.eq(address)).execute(connection)?;
    }
    if let Some(opening_hours) = change.opening_hours {
        diesel::update(target())
            .set(branches::opening_hours.eq(opening_hours))
            .execute(connection)?;
    }
    Ok(changed)
}

/// Returns a branch.
pub fn find_branch(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    id: &str,
) -> Outcome<Option<BranchRow>> {
    Ok(branches::table
        .filter(branches::tenant_id.eq(scope.tenant_id()))
        .filter(branches::id.eq(id))
        .select(BranchRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns up to `limit` branches after the cursor code, by code.
pub fn list_branches(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    after: Option<&str>,
    limit: i64,
) -> Outcome<Vec<BranchRow>> {
    let mut query = branches::table
        .filter(branches::tenant_id.eq(scope.tenant_id().to_string()))
        .select(BranchRow::as_select())
        .order(branches::code.asc())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(branches::code.gt(after.to_string()));
    }
    Ok(query.limit(limit).load(connection)?)
}

/// Returns every branch of the tenant (import code resolution; tenants have dozens).
pub fn all_branches(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
) -> Outcome<Vec<BranchRow>> {
    Ok(branches::table
        .filter(branches::tenant_id.eq(scope.tenant_id()))
        .select(BranchRow::as_select())
        .load(connection)?)
}

/// Inserts a shelving location; `UniqueViolation` if the branch has the code already.
pub fn insert_location(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &LocationRow,
) -> Outcome<()> {
    insert_for_tenant!(connection, scope, shelving_locations, std::slice::from_ref(row));
    Ok(())
}

/// Renames a shelving location; returns the rows changed.
pub fn update_location(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    code: &str,
    name: &str,
    now: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(
        shelving_locations::table
            .filter(shelving_locations::tenant_id.eq(scope.tenant_id()))
            .filter(shelving_locations::id.eq(id)),
    )
    .set((
        shelving_locations::code.eq(code),
        shelving_locations::name.eq(name),
        shelving_locations::updated_at.eq(now),
    ))
    .execute(connection)?)
}

/// Returns a shelving location.
pub fn find_location(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    id: &str,
) -> Outcome<Option<LocationRow>> {
    Ok(shelving_locations::table
        .filter(shelving_locations::tenant_id.eq(scope.tenant_id()))
        .filter(shelving_locations::id.eq(id))
        .select(LocationRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns the locations of these branches, by code.
pub fn locations_of(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    branch_ids: &[String],
) -> Outcome<Vec<LocationRow>> {
    Ok(shelving_locations::table
        .filter(shelving_locations::tenant_id.eq(scope.tenant_id()))
        .filter(shelving_locations::branch_id.eq_any(branch_ids))
        .select(LocationRow::as_select())
        .order(shelving_locations::code.asc())
        .load(connection)?)
}

/// Returns every shelving location of the tenant.
pub fn all_locations(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
) -> Outcome<Vec<LocationRow>> {
    Ok(shelving_locations::table
        .filter(shelving_locations::tenant_id.eq(scope.tenant_id()))
        .select(LocationRow::as_select())
        .load(connection)?)
}

/// Inserts a term; `UniqueViolation` if the list has the code already.
pub fn insert_term(
    connection: &mut DbConnection,
    scope: &TenantScope,
    row: &TermRow,
) -> Outcome<()> {
    insert_for_tenant!(connection, scope, vocabulary_terms, std::slice::from_ref(row));
    Ok(())
}

/// Renames a term; returns the rows changed.
pub fn update_term(
    connection: &mut DbConnection,
    scope: &TenantScope,
    id: &str,
    code: &str,
    name: &str,
    now: Timestamp,
) -> Outcome<usize> {
    Ok(diesel::update(
        vocabulary_terms::table
            .filter(vocabulary_terms::tenant_id.eq(scope.tenant_id()))
            .filter(vocabulary_terms::id.eq(id)),
    )
    .set((
        vocabulary_terms::code.eq(code),
        vocabulary_terms::name.eq(name),
        vocabulary_terms::updated_at.eq(now),
    ))
    .execute(connection)?)
}

/// Returns a term.
pub fn find_term(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    id: &str,
) -> Outcome<Option<TermRow>> {
    Ok(vocabulary_terms::table
        .filter(vocabulary_terms::tenant_id.eq(scope.tenant_id()))
        .filter(vocabulary_terms::id.eq(id))
        .select(TermRow::as_select())
        .get_result(connection)
        .optional()?)
}

/// Returns up to `limit` terms of a list after the cursor code, by code.
pub fn list_terms(
    connection: &mut DbConnection,
    scope: &impl ReadScope,
    vocabulary: Vocabulary,
    after: Option<&str>,
    limit: i64,
) -> Outcome<Vec<TermRow>> {
    let mut query = vocabulary_terms::table
        .filter(vocabulary_terms::tenant_id.eq(scope.tenant_id().to_string()))
        .filter(vocabulary_terms::vocabulary.eq(vocabulary.as_str()))
        .select(TermRow::as_select())
        .order(vocabulary_terms::code.asc())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(vocabulary_terms::code.gt(after.to_string()));
    }
    Ok(query.limit(limit).load(connection)?)
}

/// Returns every term of the tenant.
pub fn all_terms(connection: &mut DbConnection, scope: &impl ReadScope) -> Outcome<Vec<TermRow>> {
    Ok(vocabulary_terms::table
        .filter(vocabulary_terms::tenant_id.eq(scope.tenant_id()))
        .select(TermRow::as_select())
        .load(connection)?)
}
