//! What revocation costs: the check every token verification makes against the process's
//! revocation list (once per request at the gateway, and once more in each service
//! process a request reaches in a split deployment), with no list, an empty one and the
//! facts of a busy deployment; and the read of the facts from identity's database that
//! each identity process makes every `auth.revocation_refresh_ms` (and each other process
//! asks identity for over HTTP).

use std::path::Path;
use std::time::{Duration, Instant};

use athenaeum_auth::{
    AuthConfig, RevocationList, Revocations, RevokedAccount, SuspendedTenant, TokenVerifier,
    VerificationKey,
};
use athenaeum_identity::IdentityService;

use super::figures::{milliseconds, percentile};

/// Accounts signed out within a token's lifetime in the busy deployment's facts.
pub const BUSY_ACCOUNTS: usize = 10_000;
/// Sessions signed out within a token's lifetime in those facts.
pub const BUSY_SESSIONS: usize = 10_000;
/// Suspended libraries in those facts.
pub const BUSY_SUSPENDED: usize = 100;
/// Rounds of verifications per verifier, interleaved; the fastest round of each counts,
/// so that noise from other work on the machine falls away.
const ROUNDS: u32 = 20;
/// Verifications per round.
const VERIFICATIONS: u32 = 1_000;
/// Look-ups timed.
const LOOK_UPS: u32 = 1_000_000;
/// Reads of the facts timed.
const READS: usize = 200;

/// The facts of a busy deployment, none of them about the measured token.
pub fn busy_facts() -> Revocations {
    Revocations {
        accounts: (0..BUSY_ACCOUNTS)
            .map(|n| RevokedAccount { account_id: format!("account-{n:05}"), generation: 1 })
            .collect(),
        sessions: (0..BUSY_SESSIONS).map(|n| format!("session-{n:05}")).collect(),
        suspended_tenants: (0..BUSY_SUSPENDED)
            .map(|n| SuspendedTenant {
                tenant_id: format!("tenant-{n:03}"),
                name: format!("Library {n}"),
            })
            .collect(),
    }
}

/// Returns the mean time of one verification of `token` by each of `verifiers`, in the
/// fastest of [`ROUNDS`] interleaved rounds.
fn per_verification(verifiers: &[&TokenVerifier], token: &str) -> Vec<Duration> {
    let mut fastest = vec![Duration::MAX; verifiers.len()];
    for _ in 0..ROUNDS {
        for (verifier, best) in verifiers.iter().zip(fastest.iter_mut()) {
            let start = Instant::now();
            for _ in 0..VERIFICATIONS {
                std::hint::black_box(verifier.verify(std::hint::black_box(token)))
                    .expect("the measured token verifies");
            }
            *best = (*best).min(start.elapsed() / VERIFICATIONS);
        }
    }
    fastest
}

/// Returns the mean time of one look-up in `list` (its lock taken, one hash look-up),
/// for a library it does not hold, as for nearly every token.
fn per_look_up(list: &RevocationList) -> Duration {
    let tenant_id = "019a8f3e-7c41-7d2a-9b1e-5f0c2d4e6a81";
    let start = Instant::now();
    for _ in 0..LOOK_UPS {
        std::hint::black_box(list.check_tenant(std::hint::black_box(tenant_id)))
            .expect("the library is not suspended");
    }
    start.elapsed() / LOOK_UPS
}

/// Prints the cost of the revocation check on one verification of the person's `token`
/// (the application's own key from `data_dir`), beside `request_p50`, the median of a
/// whole signed-in request (`{ me }`) at one client.
pub async fn print_check_cost(
    auth: &AuthConfig,
    data_dir: &Path,
    token: &str,
    request_p50: Option<Duration>,
) {
    let (auth, data_dir, token) = (auth.clone(), data_dir.to_path_buf(), token.to_string());
    let (verifications, look_up) = tokio::task::spawn_blocking(move || {
        let key = VerificationKey::load(&auth, &data_dir).expect("the verification key loads");
        let plain = TokenVerifier::new(key, &auth);
        let empty = RevocationList::new();
        empty.replace(Revocations::default());
        let busy = RevocationList::new();
        busy.replace(busy_facts());
        let with_empty = plain.clone().with_revocations(empty);
        let with_busy = plain.clone().with_revocations(busy.clone());
        let verifications = per_verification(&[&plain, &with_empty, &with_busy], &token);
        (verifications, per_look_up(&busy))
    })
    .await
    .expect("the verifications run");
    let micros = |duration: Duration| format!("{:.2} µs", duration.as_secs_f64() * 1e6);
    println!(
        "revocation check (busy facts: {BUSY_ACCOUNTS} accounts and {BUSY_SESSIONS} sessions \
         signed out, {BUSY_SUSPENDED} libraries suspended)"
    );
    println!(
        "  a token verification, fastest of {ROUNDS} rounds of {VERIFICATIONS}: signature and \
         claims only {}, with an empty list {}, with the busy facts {}",
        micros(verifications[0]),
        micros(verifications[1]),
        micros(verifications[2]),
    );
    // The check takes the list's lock once and makes at most three look-ups (library,
    // account, session); one look-up with its lock is measured on its own.
    let check = look_up * 3;
    let share = request_p50.map_or_else(
        || "-".to_string(),
        |p50| format!("{:.3}%", check.as_secs_f64() / p50.as_secs_f64() * 100.0),
    );
    println!(
        "  one look-up with its lock (RevocationList::check_tenant, busy facts): {:.0} ns; the \
         check makes at most three: <= {:.0} ns per verification = {share} of a signed-in \
         request's p50 ({} ms); a split deployment verifies once at the gateway and once in \
         the service",
        look_up.as_secs_f64() * 1e9,
        check.as_secs_f64() * 1e9,
        milliseconds(request_p50, 3),
    );
}

/// Prints how long identity takes to read the revocation facts from its database, which
/// each identity process does every refresh period and on each follower's request.
pub async fn print_refresh_cost(identity: &IdentityService, refresh: Duration) {
    let mut latencies = Vec::with_capacity(READS);
    for _ in 0..READS {
        let start = Instant::now();
        identity.revocation_facts().await.expect("the revocation facts are read");
        latencies.push(start.elapsed());
    }
    latencies.sort();
    println!(
        "revocation facts read from the database ({READS} reads, this deployment's facts): \
         p50 {} ms, p95 {} ms, once per process every {} ms in the background, not per request",
        milliseconds(percentile(&latencies, 50), 3),
        milliseconds(percentile(&latencies, 95), 3),
        refresh.as_millis()
    );
}
