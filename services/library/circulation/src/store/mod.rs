//! Diesel queries on circulation's tables of the library database. Every query filters by
//! the scope's tenant; inserts take a `TenantScope` and stamp `tenant_id` from it, so no
//! row carries a tenant id a caller filled in. Changes that race (a copy lent at two
//! desks, a hold filled twice) are conditional updates whose row counts the service
//! checks, never a read followed by a blind write. This room holds no rules.

mod accounts;
mod holds;
mod loans;
mod notices;
mod patrons;
mod rules;
mod settings;

pub use accounts::*;
pub use holds::*;
pub use loans::*;
pub use notices::*;
pub use patrons::*;
pub use rules::*;
pub use settings::*;

type Outcome<T> = Result<T, athenaeum_db::DbError>;
