//! How the gateway reaches a service: in the same process the service itself, in split
//! mode an HTTP client of the same trait. [`service_api!`] takes one definition of a
//! service's operations and derives the trait, the HTTP client and the internal routes
//! from it, so the two sides can never drift apart.
//!
//! Every call carries a [`Call`]: the caller's bearer token (which the service verifies
//! itself), the client's address and the request id.

pub mod assembly;
mod call;
pub mod graphql;
mod remote;

pub use assembly::{Dependency, ProcessContext, ServiceParts};
pub use call::{Call, InternalListener};

/// Largest request body an internal route accepts: room for a 4 MiB chunk of an uploaded
/// file, base64-encoded, with its envelope.
pub const INTERNAL_BODY_BYTES: usize = 16 << 20;
pub use remote::{RemoteService, respond, route_error};

#[doc(hidden)]
pub use actix_web as __actix_web;
#[doc(hidden)]
pub use async_trait::async_trait as __async_trait;
#[doc(hidden)]
pub use tracing as __tracing;

/// Defines a service's operations once and derives from it:
/// - the trait `$Trait` (async, object-safe, `Send + Sync`), one method per operation
///   taking `&Call` and the request, returning `Result<Response, ApiError>`;
/// - `$Client`, an HTTP client implementing the trait against a remote process;
/// - `$routes(service) -> actix_web::Scope`, the internal routes that serve the trait
///   over HTTP: `POST {path}/{operation}` with the request as JSON.
///
/// ```ignore
/// athenaeum_transport::service_api! {
///     /// Accounts and sessions.
///     pub trait IdentityApi, client IdentityClient, routes identity_routes, path "/internal/identity" {
///         /// Signs a person in.
///         fn sign_in(SignIn) -> Session;
///     }
/// }
/// ```
#[macro_export]
macro_rules! service_api {
    (
        $(#[$trait_meta:meta])*
        pub trait $Trait:ident, client $Client:ident, routes $routes:ident, path $path:literal {
            $(
                $(#[$operation_meta:meta])*
                fn $operation:ident($Request:ty) -> $Response:ty;
            )*
        }
    ) => {
        $(#[$trait_meta])*
        #[$crate::__async_trait]
        pub trait $Trait: Send + Sync + 'static {
            $(
                $(#[$operation_meta])*
                async fn $operation(
                    &self,
                    call: &$crate::Call,
                    request: $Request,
                ) -> Result<$Response, athenaeum_kernel::ApiError>;
            )*
        }

        #[doc = concat!("An HTTP client of [`", stringify!($Trait), "`] for a service in another process.")]
        #[derive(Debug, Clone)]
        pub struct $Client {
            remote: $crate::RemoteService,
        }

        impl $Client {
            /// Creates a client of the service at `remote`.
            pub fn new(remote: $crate::RemoteService) -> Self {
                Self { remote }
            }
        }

        #[$crate::__async_trait]
        impl $Trait for $Client {
            $(
                async fn $operation(
                    &self,
                    call: &$crate::Call,
                    request: $Request,
                ) -> Result<$Response, athenaeum_kernel::ApiError> {
                    self.remote
                        .call(call, concat!($path, "/", stringify!($operation)), &request)
                        .await
                }
            )*
        }

        #[doc = concat!("The internal HTTP routes that serve [`", stringify!($Trait), "`].")]
        pub fn $routes(
            service: std::sync::Arc<dyn $Trait>,
        ) -> $crate::__actix_web::Scope {
            use $crate::__actix_web::web;
            let scope = web::scope($path).app_data(
                web::JsonConfig::default()
                    .limit($crate::INTERNAL_BODY_BYTES)
                    .error_handler($crate::route_error),
            );
            $(
                let scope = {
                    let service = std::sync::Arc::clone(&service);
                    scope.route(
                        concat!("/", stringify!($operation)),
                        web::post().to(
                            move |http_request: $crate::__actix_web::HttpRequest,
                                  body: web::Json<$Request>| {
                                let service = std::sync::Arc::clone(&service);
                                async move {
                                    let call = $crate::Call::from_internal_request(&http_request);
                                    $crate::respond(service.$operation(&call, body.into_inner()).await)
                                }
                            },
                        ),
                    )
                };
            )*
            scope
        }
    };
}

/// Implements a service trait by handing each operation to an inherent method of the
/// service with the same shape, `method(&self, &Call, Request) -> Result<Response, E>`,
/// where `E` implements [`athenaeum_kernel::ServiceError`]. So every operation turns its
/// errors into what callers see in the same one place, and runs in a span named after
/// the service and operation that carries the request id, so every log line it writes
/// says which request it served.
///
/// ```ignore
/// athenaeum_transport::implement_api! {
///     CatalogueApi for CatalogueService {
///         fn get_record(GetRecord) -> CatalogueRecord => get_record_as;
///     }
/// }
/// ```
#[macro_export]
macro_rules! implement_api {
    (
        $Trait:ident for $Service:ty {
            $( fn $operation:ident($Request:ty) -> $Response:ty => $method:ident; )*
        }
    ) => {
        #[$crate::__async_trait]
        impl $Trait for $Service {
            $(
                async fn $operation(
                    &self,
                    call: &$crate::Call,
                    request: $Request,
                ) -> Result<$Response, athenaeum_kernel::ApiError> {
                    use $crate::__tracing::Instrument as _;
                    let span = $crate::__tracing::info_span!(
                        concat!(stringify!($Trait), "::", stringify!($operation)),
                        request_id = %call.request_id,
                    );
                    self.$method(call, request)
                        .instrument(span)
                        .await
                        .map_err(|error| athenaeum_kernel::ServiceError::into_api(error, &call.request_id))
                }
            )*
        }
    };
}
