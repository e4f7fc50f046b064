//! Request counts and latency histograms in Prometheus' text format: per GraphQL
//! operation (named by its root field once the schema has validated it, so the label
//! set is bounded by the schema) and per HTTP route.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection,
};
use async_graphql::{Response, ServerResult, Variables};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (index, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.counts[index] += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }

    fn render(&self, name: &str, labels: &str, out: &mut String) {
        for (index, bound) in BUCKETS.iter().enumerate() {
            out.push_str(&format!(
                "{name}_bucket{{{labels},le=\"{bound}\"}} {}\n",
                self.counts[index]
            ));
        }
        out.push_str(&format!("{name}_bucket{{{labels},le=\"+Inf\"}} {}\n", self.count));
        out.push_str(&format!("{name}_sum{{{labels}}} {}\n", self.sum));
        out.push_str(&format!("{name}_count{{{labels}}} {}\n", self.count));
    }
}

#[derive(Debug, Default)]
struct Series {
    graphql: BTreeMap<(String, &'static str), Histogram>,
    http: BTreeMap<(String, u16), Histogram>,
}

/// The process's metrics. Cheap to share; recording takes a short lock.
#[derive(Debug, Default)]
pub struct Metrics {
    series: Mutex<Series>,
}

impl Metrics {
    /// Records one GraphQL operation: its root fields, `ok` or `error`, and its duration.
    pub fn observe_graphql(&self, operation: &str, outcome: &'static str, seconds: f64) {
        let mut series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        series.graphql.entry((operation.to_string(), outcome)).or_default().observe(seconds);
    }

    /// Records one HTTP request by its route pattern and status.
    pub fn observe_http(&self, route: &str, status: u16, seconds: f64) {
        let mut series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        series.http.entry((route.to_string(), status)).or_default().observe(seconds);
    }

    /// Returns every series in Prometheus' text exposition format.
    pub fn render(&self) -> String {
        let series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::new();
        out.push_str("# HELP athenaeum_graphql_operation_duration_seconds GraphQL operations by root fields and outcome.\n");
        out.push_str("# TYPE athenaeum_graphql_operation_duration_seconds histogram\n");
        for ((operation, outcome), histogram) in &series.graphql {
            let labels = format!("operation=\"{}\",outcome=\"{outcome}\"", escape(operation));
            histogram.render("athenaeum_graphql_operation_duration_seconds", &labels, &mut out);
        }
        out.push_str(
            "# HELP athenaeum_http_request_duration_seconds HTTP requests by route and status.\n",
        );
        out.push_str("# TYPE athenaeum_http_request_duration_seconds histogram\n");
        for ((route, status), histogram) in &series.http {
            let labels = format!("route=\"{}\",status=\"{status}\"", escape(route));
            histogram.render("athenaeum_http_request_duration_seconds", &labels, &mut out);
        }
        out.push_str("# HELP athenaeum_db_pool_connections Database pool connections by service and state.\n");
        out.push_str("# TYPE athenaeum_db_pool_connections gauge\n");
        out
    }
}

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The async-graphql extension that feeds [`Metrics`].
pub(crate) struct MetricsExtension {
    metrics: Arc<Metrics>,
}

impl MetricsExtension {
    pub(crate) fn new(metrics: Arc<Metrics>) -> MetricsExtension {
        MetricsExtension { metrics }
    }
}

impl ExtensionFactory for MetricsExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationTimer {
            metrics: Arc::clone(&self.metrics),
            candidates: Mutex::new(Vec::new()),
            label: Mutex::new(None),
        })
    }
}

/// The label of a request that never ran: unparsable, invalid or over a limit. Anything
/// a client wrote is labelled only once the schema has accepted it, so the label set is
/// bounded by the schema, not by what clients send.
const NOT_RUN: &str = "invalid";

struct OperationTimer {
    metrics: Arc<Metrics>,
    /// Each operation of the parsed document by name, with the label it would get.
    candidates: Mutex<Vec<(Option<String>, String)>>,
    /// The label of the operation that passed validation and runs.
    label: Mutex<Option<String>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for OperationTimer {
    async fn request(&self, context: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let response = next.run(context).await;
        let label = self.label.lock().unwrap_or_else(PoisonError::into_inner).take();
        let outcome = if response.errors.is_empty() { "ok" } else { "error" };
        self.metrics.observe_graphql(
            label.as_deref().unwrap_or(NOT_RUN),
            outcome,
            started.elapsed().as_secs_f64(),
        );
        response
    }

    async fn parse_query(
        &self,
        context: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(context, query, variables).await?;
        *self.candidates.lock().unwrap_or_else(PoisonError::into_inner) =
            operation_labels(&document);
        Ok(document)
    }

    async fn execute(
        &self,
        context: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        // Execution starts only for a document the schema validated.
        let candidates =
            std::mem::take(&mut *self.candidates.lock().unwrap_or_else(PoisonError::into_inner));
        let label = match candidates.as_slice() {
            [(_, only)] => Some(only.clone()),
            several => several
                .iter()
                .find(|(name, _)| name.as_deref() == operation_name)
                .map(|(_, label)| label.clone()),
        };
        *self.label.lock().unwrap_or_else(PoisonError::into_inner) = label;
        next.run(context, operation_name).await
    }
}

/// Labels each operation of a document by its type and root field, e.g. `mutation
/// signIn`; an operation that selects several root fields (or fragments) is
/// `query (several fields)`, so that combinations cannot multiply the label set.
fn operation_labels(document: &ExecutableDocument) -> Vec<(Option<String>, String)> {
    let describe = |operation: &OperationDefinition| {
        let mut fields =
            operation.selection_set.node.items.iter().map(|selection| match &selection.node {
                Selection::Field(field) => Some(field.node.name.node.as_str()),
                _ => None,
            });
        let first = fields.next().flatten();
        let single = first.filter(|name| fields.all(|other| other == Some(*name)));
        match single {
            Some(field) => format!("{} {field}", operation.ty),
            None => format!("{} (several fields)", operation.ty),
        }
    };
    match &document.operations {
        DocumentOperations::Single(operation) => vec![(None, describe(&operation.node))],
        DocumentOperations::Multiple(operations) => operations
            .iter()
            .map(|(name, operation)| (Some(name.to_string()), describe(&operation.node)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_render_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.observe_graphql("query me", "ok", 0.002);
        metrics.observe_graphql("query me", "ok", 0.2);
        let text = metrics.render();
        assert!(text.contains("athenaeum_graphql_operation_duration_seconds_bucket{operation=\"query me\",outcome=\"ok\",le=\"0.0025\"} 1"), "{text}");
        assert!(text.contains("athenaeum_graphql_operation_duration_seconds_bucket{operation=\"query me\",outcome=\"ok\",le=\"+Inf\"} 2"), "{text}");
        assert!(text.contains("athenaeum_graphql_operation_duration_seconds_count{operation=\"query me\",outcome=\"ok\"} 2"), "{text}");
    }

    struct Query;

    #[async_graphql::Object]
    impl Query {
        async fn version(&self) -> i32 {
            1
        }

        async fn shelves(&self) -> i32 {
            2
        }
    }

    /// Returns the operation labels `/metrics` shows.
    fn labels(metrics: &Metrics) -> std::collections::BTreeSet<String> {
        metrics
            .render()
            .lines()
            .filter_map(|line| line.split("operation=\"").nth(1))
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_string)
            .collect()
    }

    #[tokio::test]
    async fn operations_the_schema_refuses_share_one_label_whatever_they_name() {
        let metrics = Arc::new(Metrics::default());
        let schema = async_graphql::Schema::build(
            Query,
            async_graphql::EmptyMutation,
            async_graphql::EmptySubscription,
        )
        .extension(MetricsExtension::new(Arc::clone(&metrics)))
        .finish();

        for number in 0..200 {
            schema.execute(format!("{{ unknownField{number} }}")).await;
            schema.execute(format!("query Named{number} {{ version }} {{")).await;
        }
        schema.execute("{ version }").await;
        schema.execute("{ a: version b: version }").await;
        schema.execute("{ version shelves }").await;
        schema.execute("{ shelves version }").await;
        schema.execute("query A { version } query B { shelves }").await;

        assert_eq!(
            labels(&metrics),
            ["invalid", "query (several fields)", "query version"]
                .into_iter()
                .map(str::to_string)
                .collect()
        );
    }
}
