//! Operational endpoints every process serves: `/healthz` (the process is alive),
//! `/readyz` (its databases answer and are migrated; the services it calls are ready) and
//! `/metrics` (Prometheus text).

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use athenaeum_transport::Dependency;

use crate::Metrics;
use crate::readiness::check_readiness;

/// What the operational endpoints look at.
#[derive(Clone)]
pub struct OpsState {
    /// What readiness depends on.
    pub dependencies: Arc<Vec<Dependency>>,
    /// The process's metrics.
    pub metrics: Arc<Metrics>,
}

/// Registers `/healthz`, `/readyz` and `/metrics`.
pub fn ops_routes(state: OpsState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config: &mut web::ServiceConfig| {
        config
            .app_data(web::Data::new(state))
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz))
            .route("/metrics", web::get().to(metrics));
    }
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok\n")
}

async fn readyz(state: web::Data<OpsState>) -> HttpResponse {
    let readiness = check_readiness(&state.dependencies).await;
    let mut response =
        if readiness.ready { HttpResponse::Ok() } else { HttpResponse::ServiceUnavailable() };
    response.content_type("text/plain; charset=utf-8").body(readiness.to_text())
}

async fn metrics(state: web::Data<OpsState>) -> HttpResponse {
    let mut text = state.metrics.render();
    for dependency in state.dependencies.iter() {
        if let Dependency::Database(database) = dependency {
            let pool = database.pool_status();
            let service = database.service();
            text.push_str(&format!(
                "athenaeum_db_pool_connections{{service=\"{service}\",state=\"open\"}} {}\n\
                 athenaeum_db_pool_connections{{service=\"{service}\",state=\"idle\"}} {}\n\
                 athenaeum_db_pool_connections{{service=\"{service}\",state=\"max\"}} {}\n",
                pool.open, pool.idle, pool.max
            ));
        }
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text)
}
