//! The gateway's public routes: GraphQL over HTTP, GraphiQL's assets and MARC downloads.
//! The website (`athenaeum-web`) mounts its pages beside them.

use actix_web::web;

use crate::graphql_http::{graphql_get, graphql_post, method_not_allowed};
use crate::state::GatewayState;
use crate::{export, graphiql};

/// Registers `/graphql`, GraphiQL's assets and `/export/marc`.
pub fn graphql_routes(state: GatewayState) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |config: &mut web::ServiceConfig| {
        let body_limit = state.limits.body_bytes;
        config
            .app_data(web::Data::new(state.clone()))
            .app_data(web::PayloadConfig::new(body_limit))
            .service(
                web::resource("/graphql")
                    .route(web::post().to(graphql_post))
                    .route(web::get().to(graphql_get))
                    .route(web::route().to(method_not_allowed)),
            )
            .route("/graphiql/{asset}", web::get().to(graphiql::asset))
            .route("/export/marc", web::get().to(export::export_marc));
    }
}
