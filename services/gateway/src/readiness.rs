//! Whether this process can serve, in one place: `/readyz` prints it, and the
//! `readiness` subscription streams it to operators.

use async_graphql::SimpleObject;
use athenaeum_transport::Dependency;
use athenaeum_transport::assembly::check_dependencies;

/// One dependency's state.
#[derive(Debug, Clone, SimpleObject)]
pub struct DependencyCheck {
    /// What it is, e.g. `database identity`.
    pub name: String,
    /// Whether it answers.
    pub ok: bool,
    /// What is wrong, when it is not ok.
    pub detail: Option<String>,
}

/// Whether the deployment can serve requests, and why not.
#[derive(Debug, Clone, SimpleObject)]
pub struct Readiness {
    /// True when every dependency is ok.
    pub ready: bool,
    /// Each dependency.
    pub checks: Vec<DependencyCheck>,
    /// When this was checked.
    pub checked_at: chrono::DateTime<chrono::Utc>,
}

impl Readiness {
    /// The plain-text body of `/readyz`: one line per dependency.
    pub fn to_text(&self) -> String {
        if self.checks.is_empty() {
            return "ok\n".to_string();
        }
        self.checks
            .iter()
            .map(|check| match &check.detail {
                None => format!("ok   {}\n", check.name),
                Some(detail) => format!("FAIL {}: {detail}\n", check.name),
            })
            .collect()
    }
}

/// Checks every dependency once.
pub async fn check_readiness(dependencies: &[Dependency]) -> Readiness {
    let checks: Vec<DependencyCheck> = check_dependencies(dependencies)
        .await
        .into_iter()
        .map(|state| DependencyCheck {
            ok: state.problem.is_none(),
            name: state.name,
            detail: state.problem,
        })
        .collect();
    Readiness { ready: checks.iter().all(|check| check.ok), checks, checked_at: chrono::Utc::now() }
}
