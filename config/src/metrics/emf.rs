//! CloudWatch Embedded Metric Format (EMF): a log line that is one JSON object, from which CloudWatch Logs
//! extracts metrics (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>).
//! A [`Point`] is the values of some [`Metric`]s that share one set of dimension values; [`line`] writes it as
//! a document; an [`Emitter`] adds the environment and writes the lines to its [`Sink`] (stdout in Lambda, whose
//! log group receives it; a buffer in tests). [`read`] is the other side: the values CloudWatch takes from a line.
//!
//! Pure and small, so it lives with the metric names: every binary (the Lambdas, the services, the backtest
//! runner) already depends on this crate.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{json, Map, Value};

use super::{Metric, ENVIRONMENT_DIMENSION, NAMESPACE};
use crate::Environment;

/// Why a point cannot be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EmfError {
    /// The point's dimensions are not the ones the metric is declared with.
    #[error("{metric} is emitted with the dimensions {expected:?}, but the point has {given:?}")]
    Dimensions {
        metric: &'static str,
        expected: Vec<&'static str>,
        given: Vec<&'static str>,
    },
    /// JSON has no NaN or infinity.
    #[error("{metric}={value}: a metric value must be a finite number")]
    NotFinite { metric: &'static str, value: f64 },
    /// A document defines at least one metric.
    #[error("a point without values")]
    Empty,
    /// A line is not an EMF document ([`read`]).
    #[error("not an EMF document: {0}")]
    Malformed(String),
    /// The sink refused the line.
    #[error("the metrics sink failed: {0}")]
    Sink(String),
}

pub type Result<T, E = EmfError> = std::result::Result<T, E>;

/// Values of metrics sharing one set of dimension values (beside `Environment`, which the [`Emitter`] adds).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Point {
    dimensions: Vec<(&'static str, String)>,
    values: Vec<(Metric, f64)>,
}

impl Point {
    /// A point with no dimension beside `Environment` and no value yet.
    pub fn new() -> Self {
        Point::default()
    }

    /// With dimension `name` at `value` (replacing an earlier value of it).
    pub fn dimension(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.dimensions.retain(|(n, _)| *n != name);
        self.dimensions.push((name, value.into()));
        self
    }

    /// With `metric` at `value` (replacing an earlier value of it).
    pub fn value(mut self, metric: Metric, value: f64) -> Self {
        self.values.retain(|(m, _)| m.name != metric.name);
        self.values.push((metric, value));
        self
    }

    /// Check that every metric carries exactly the point's dimensions and has a finite value.
    fn check(&self) -> Result<()> {
        if self.values.is_empty() {
            return Err(EmfError::Empty);
        }
        let mut given: Vec<&'static str> = self.dimensions.iter().map(|(n, _)| *n).collect();
        given.sort_unstable();
        for (metric, value) in &self.values {
            let mut expected = metric.dimensions.to_vec();
            expected.sort_unstable();
            if expected != given {
                return Err(EmfError::Dimensions {
                    metric: metric.name,
                    expected,
                    given,
                });
            }
            if !value.is_finite() {
                return Err(EmfError::NotFinite {
                    metric: metric.name,
                    value: *value,
                });
            }
        }
        Ok(())
    }
}

/// The EMF document of `point` in `environment` at `timestamp_ms` (milliseconds since the epoch): one metric
/// directive in the `TradAI` namespace with the one dimension set `Environment` + the point's, and the
/// dimension and metric values as top-level members.
pub fn document(point: &Point, environment: Environment, timestamp_ms: i64) -> Result<Value> {
    point.check()?;
    let dimensions: Vec<&str> = std::iter::once(ENVIRONMENT_DIMENSION)
        .chain(point.dimensions.iter().map(|(n, _)| *n))
        .collect();
    let definitions: Vec<Value> = point
        .values
        .iter()
        .map(|(m, _)| json!({"Name": m.name, "Unit": m.unit.as_str()}))
        .collect();
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [dimensions], "Metrics": definitions}],
        }),
    );
    root.insert(ENVIRONMENT_DIMENSION.into(), json!(environment.as_str()));
    for (name, value) in &point.dimensions {
        root.insert((*name).into(), json!(value));
    }
    for (metric, value) in &point.values {
        root.insert(metric.name.into(), json!(value));
    }
    Ok(Value::Object(root))
}

/// [`document`] as one line (no line break).
pub fn line(point: &Point, environment: Environment, timestamp_ms: i64) -> Result<String> {
    document(point, environment, timestamp_ms).map(|d| d.to_string())
}

/// Where EMF lines go.
pub type Sink = Arc<Mutex<dyn Write + Send>>;

/// Writes points of one environment as EMF lines to a sink.
#[derive(Clone)]
pub struct Emitter {
    environment: Environment,
    sink: Sink,
}

impl std::fmt::Debug for Emitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emitter")
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

impl Emitter {
    /// Writing to `sink`.
    pub fn new(environment: Environment, sink: Sink) -> Self {
        Emitter { environment, sink }
    }

    /// Writing to the process's stdout, straight (a log formatter would wrap the line and CloudWatch would
    /// not see a document): in Lambda, stdout is the function's log group.
    pub fn stdout(environment: Environment) -> Self {
        Emitter::new(environment, Arc::new(Mutex::new(std::io::stdout())))
    }

    /// Write each of `points` at `timestamp_ms` as one line. Every point is checked first, so a bad one writes
    /// nothing.
    pub fn emit(&self, timestamp_ms: i64, points: &[Point]) -> Result<()> {
        let mut text = String::new();
        for point in points {
            text.push_str(&line(point, self.environment, timestamp_ms)?);
            text.push('\n');
        }
        let mut sink = self.sink.lock().unwrap_or_else(PoisonError::into_inner);
        sink.write_all(text.as_bytes())
            .and_then(|()| sink.flush())
            .map_err(|e| EmfError::Sink(e.to_string()))
    }
}

/// One value CloudWatch extracts from an EMF document.
#[derive(Debug, Clone, PartialEq)]
pub struct Emitted {
    pub namespace: String,
    pub metric: String,
    pub unit: Option<String>,
    /// The dimension set's names with their values.
    pub dimensions: BTreeMap<String, String>,
    pub value: f64,
    pub timestamp_ms: i64,
}

fn malformed(what: impl Into<String>) -> EmfError {
    EmfError::Malformed(what.into())
}

/// The values CloudWatch Logs extracts from the EMF `line`, one per metric and dimension set; an error names
/// the first rule of the specification the line breaks (a member missing or of the wrong type).
pub fn read(line: &str) -> Result<Vec<Emitted>> {
    let root: Map<String, Value> =
        serde_json::from_str(line).map_err(|e| malformed(e.to_string()))?;
    let meta = root
        .get("_aws")
        .ok_or_else(|| malformed("no _aws member"))?;
    let timestamp_ms = meta["Timestamp"]
        .as_i64()
        .ok_or_else(|| malformed("_aws.Timestamp is not an integer"))?;
    let directives = meta["CloudWatchMetrics"]
        .as_array()
        .ok_or_else(|| malformed("_aws.CloudWatchMetrics is not an array"))?;
    let mut out = Vec::new();
    for directive in directives {
        let namespace = directive["Namespace"]
            .as_str()
            .ok_or_else(|| malformed("a directive without Namespace"))?;
        let sets = directive["Dimensions"]
            .as_array()
            .ok_or_else(|| malformed("Dimensions is not an array"))?;
        for definition in directive["Metrics"]
            .as_array()
            .ok_or_else(|| malformed("Metrics is not an array"))?
        {
            let name = definition["Name"]
                .as_str()
                .ok_or_else(|| malformed("a metric without Name"))?;
            let value = root
                .get(name)
                .and_then(Value::as_f64)
                .ok_or_else(|| malformed(format!("no number member {name}")))?;
            for set in sets {
                let mut dimensions = BTreeMap::new();
                for key in set
                    .as_array()
                    .ok_or_else(|| malformed("a dimension set is not an array"))?
                {
                    let key = key
                        .as_str()
                        .ok_or_else(|| malformed("a dimension name is not a string"))?;
                    let value = root
                        .get(key)
                        .and_then(Value::as_str)
                        .ok_or_else(|| malformed(format!("no string member {key}")))?;
                    dimensions.insert(key.to_owned(), value.to_owned());
                }
                out.push(Emitted {
                    namespace: namespace.to_owned(),
                    metric: name.to_owned(),
                    unit: definition["Unit"].as_str().map(str::to_owned),
                    dimensions,
                    value,
                    timestamp_ms,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{
        HEALTH_CHECK_LATENCY, SERVICE_DIMENSION, SERVICE_HEALTHY, STALE_HEARTBEATS,
    };

    fn healthy(service: &str) -> Point {
        Point::new()
            .dimension(SERVICE_DIMENSION, service)
            .value(SERVICE_HEALTHY, 1.0)
            .value(HEALTH_CHECK_LATENCY, 12.0)
    }

    /// The document the specification describes: one directive, the dimension set, units, and the values as
    /// top-level members.
    #[test]
    fn a_point_is_one_emf_document() {
        let document =
            document(&healthy("backend-api"), Environment::Dev, 1_700_000_000_123).expect("valid");
        assert_eq!(
            document,
            json!({
                "_aws": {"Timestamp": 1_700_000_000_123_i64, "CloudWatchMetrics": [{
                    "Namespace": "TradAI",
                    "Dimensions": [["Environment", "Service"]],
                    "Metrics": [{"Name": "ServiceHealthy", "Unit": "None"}, {"Name": "HealthCheckLatency", "Unit": "Milliseconds"}],
                }]},
                "Environment": "dev", "Service": "backend-api", "ServiceHealthy": 1.0, "HealthCheckLatency": 12.0,
            })
        );
    }

    /// What the emitter writes reads back as the values it was given, one line per point.
    #[test]
    fn the_emitter_writes_one_line_per_point() {
        let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
        let emitter = Emitter::new(Environment::Prod, buffer.clone());
        emitter
            .emit(
                5,
                &[healthy("a"), Point::new().value(STALE_HEARTBEATS, 2.0)],
            )
            .expect("written");
        let text = String::from_utf8(buffer.lock().expect("lock").clone()).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let stale = read(lines[1]).expect("EMF");
        assert_eq!(
            stale,
            [Emitted {
                namespace: "TradAI".into(),
                metric: "StaleHeartbeats".into(),
                unit: Some("Count".into()),
                dimensions: BTreeMap::from([("Environment".into(), "prod".into())]),
                value: 2.0,
                timestamp_ms: 5,
            }]
        );
        let health = read(lines[0]).expect("EMF");
        assert_eq!(
            health
                .iter()
                .map(|e| (e.metric.as_str(), e.dimensions["Service"].as_str()))
                .collect::<Vec<_>>(),
            [("ServiceHealthy", "a"), ("HealthCheckLatency", "a")]
        );
    }

    /// A metric with dimensions other than its declared ones, a value JSON cannot hold or a point without
    /// values is refused, and nothing is written.
    #[test]
    fn points_that_break_the_declaration_are_refused() {
        let missing = Point::new().value(SERVICE_HEALTHY, 1.0);
        assert_eq!(
            line(&missing, Environment::Dev, 0),
            Err(EmfError::Dimensions {
                metric: "ServiceHealthy",
                expected: vec!["Service"],
                given: vec![],
            })
        );
        let extra = Point::new()
            .dimension("Service", "x")
            .value(STALE_HEARTBEATS, 1.0);
        assert!(matches!(
            line(&extra, Environment::Dev, 0),
            Err(EmfError::Dimensions { .. })
        ));
        let nan = Point::new().value(STALE_HEARTBEATS, f64::NAN);
        assert!(matches!(
            line(&nan, Environment::Dev, 0),
            Err(EmfError::NotFinite { .. })
        ));
        assert_eq!(
            line(&Point::new(), Environment::Dev, 0),
            Err(EmfError::Empty)
        );
        let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
        let emitter = Emitter::new(Environment::Dev, buffer.clone());
        assert!(emitter.emit(0, &[healthy("a"), nan]).is_err());
        assert!(buffer.lock().expect("lock").is_empty());
    }

    /// The reader names what a line lacks.
    #[test]
    fn lines_that_are_not_emf_are_named() {
        for (line, says) in [
            ("plain text", "expected"),
            (r#"{"a": 1}"#, "no _aws member"),
            (
                r#"{"_aws": {"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "N", "Dimensions": [["Environment"]], "Metrics": [{"Name": "M"}]}]}, "M": 1}"#,
                "no string member Environment",
            ),
            (
                r#"{"_aws": {"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "N", "Dimensions": [[]], "Metrics": [{"Name": "M"}]}]}, "M": "1"}"#,
                "no number member M",
            ),
        ] {
            let error = read(line).expect_err(line).to_string();
            assert!(error.contains(says), "{line}: {error}");
        }
    }
}
