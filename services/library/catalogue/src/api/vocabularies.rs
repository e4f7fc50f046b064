//! Branches with their shelving locations, and the tenant's lists of material and loan
//! types: what items and loan rules refer to by code.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use serde::{Deserialize, Serialize};

use super::*;

/// A library (service point) of the authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Branch {
    /// Opaque id.
    pub id: ID,
    /// Short code used in imports and at the desk, e.g. `CPL`.
    pub code: String,
    /// Name shown to people, e.g. "Central Library".
    pub name: String,
    /// Its postal address, one line of the address to a line of text.
    pub address: Option<String>,
    /// When it is open, as the library writes it, e.g. "Mon–Fri 9:00–17:00\nSat
    /// 10:00–13:00".
    pub opening_hours: Option<String>,
    /// Its shelving locations, by code.
    pub locations: Vec<ShelvingLocation>,
}

/// A shelving location within a branch, e.g. "Junior fiction".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct ShelvingLocation {
    /// Opaque id.
    pub id: ID,
    /// The branch it is in.
    pub branch_id: ID,
    /// Short code, e.g. `JFIC`.
    pub code: String,
    /// Name shown to people.
    pub name: String,
}

athenaeum_db::stored_enum! {
    /// A tenant-configurable list.
    #[derive(Serialize, Deserialize, Enum)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum Vocabulary: "vocabulary" {
        /// What an item physically is (book, DVD, …); loan rules key on it.
        MaterialType = "material_type",
        /// How an item may be lent (normal, short loan, reference only, …).
        LoanType = "loan_type",
    }
}

/// A term of a tenant-configurable list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
pub struct Term {
    /// Opaque id.
    pub id: ID,
    /// The list it belongs to.
    pub vocabulary: Vocabulary,
    /// Short code used in imports, e.g. `BK`.
    pub code: String,
    /// Name shown to people.
    pub name: String,
}

/// Creates a branch, or changes one when `id` is given. Admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct SaveBranch {
    /// The branch to change; omit to create one.
    #[graphql(default)]
    pub id: Option<ID>,
    /// Short code: letters, digits, `-` and `_`, at most 32 characters.
    pub code: String,
    /// Name shown to people.
    pub name: String,
    /// Postal address, a line of text per line of the address, at most 500 characters.
    /// Omitted or null keeps the branch's address; an empty string removes it.
    #[graphql(default)]
    #[serde(default)]
    pub address: Option<String>,
    /// Opening hours as free text of a few lines, at most 1,000 characters. Omitted or
    /// null keeps them; an empty string removes them.
    #[graphql(default)]
    #[serde(default)]
    pub opening_hours: Option<String>,
}

/// Creates a shelving location, or renames one when `id` is given. Admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct SaveLocation {
    /// The location to rename; omit to create one.
    #[graphql(default)]
    pub id: Option<ID>,
    /// The branch it is in.
    pub branch_id: ID,
    /// Short code.
    pub code: String,
    /// Name shown to people.
    pub name: String,
}

/// Creates a term, or renames one when `id` is given. Admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, InputObject)]
pub struct SaveTerm {
    /// The term to rename; omit to create one.
    #[graphql(default)]
    pub id: Option<ID>,
    /// The list.
    pub vocabulary: Vocabulary,
    /// Short code.
    pub code: String,
    /// Name shown to people.
    pub name: String,
}

/// Lists the branches (with their locations) of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListBranches {
    /// The tenant an anonymous caller reads.
    pub public_tenant_id: Option<String>,
    /// The page.
    pub page: PageRequest,
}

/// A page of branches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchPage {
    /// Branches by code.
    pub branches: Vec<Branch>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// Lists the terms of one list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListTerms {
    /// The tenant an anonymous caller reads.
    pub public_tenant_id: Option<String>,
    /// The list.
    pub vocabulary: Vocabulary,
    /// The page.
    pub page: PageRequest,
}

/// A page of terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermPage {
    /// Terms by code.
    pub terms: Vec<Term>,
    /// Whether more follow.
    pub has_next_page: bool,
}
