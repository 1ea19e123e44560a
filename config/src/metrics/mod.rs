//! Custom CloudWatch metrics: the Lambdas emit them as Embedded Metric Format log lines ([`emf`]), the edge
//! stack's alarms and dashboard read them, and `tradai infra check` holds the two together. Each metric is one
//! typed [`Metric`] (name, unit, the dimensions it carries beside `Environment`), so the emitters and the
//! stacks share the facts and cannot drift apart.

pub mod emf;

pub use emf::{EmfError, Emitted, Emitter, Point, Sink};

/// Namespace of every custom metric; each carries an `Environment` dimension.
pub const NAMESPACE: &str = "TradAI";
/// Dimension holding the environment name (`dev`, `staging`, `prod`).
pub const ENVIRONMENT_DIMENSION: &str = "Environment";
/// Dimension holding a service key (`backend-api`).
pub const SERVICE_DIMENSION: &str = "Service";

/// The CloudWatch units the platform's metrics use (the EMF `Unit` of each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    /// A number of things.
    Count,
    /// A duration.
    Milliseconds,
    /// A ratio, a score or a flag.
    None,
}

impl Unit {
    /// The unit as CloudWatch names it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
            Unit::None => "None",
        }
    }
}

/// One custom metric of the `TradAI` namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Metric {
    /// The metric name.
    pub name: &'static str,
    /// Its unit.
    pub unit: Unit,
    /// The dimensions it carries beside `Environment` (empty: `Environment` only).
    pub dimensions: &'static [&'static str],
}

impl Metric {
    /// Every dimension it is emitted with, `Environment` first: an alarm must name exactly these.
    pub fn dimension_names(self) -> Vec<&'static str> {
        std::iter::once(ENVIRONMENT_DIMENSION)
            .chain(self.dimensions.iter().copied())
            .collect()
    }

    /// The metric called `name`.
    pub fn named(name: &str) -> Option<Metric> {
        ALL.into_iter().find(|m| m.name == name)
    }
}

const fn environment_only(name: &'static str, unit: Unit) -> Metric {
    Metric {
        name,
        unit,
        dimensions: &[],
    }
}

const fn per_service(name: &'static str, unit: Unit) -> Metric {
    Metric {
        name,
        unit,
        dimensions: &[SERVICE_DIMENSION],
    }
}

/// 1 when a service answered its health check, 0 when not (health-check; per `Service`).
pub const SERVICE_HEALTHY: Metric = per_service("ServiceHealthy", Unit::None);
/// Health-check round trip in ms (health-check; per `Service`).
pub const HEALTH_CHECK_LATENCY: Metric = per_service("HealthCheckLatency", Unit::Milliseconds);
/// Trading sessions whose heartbeat is stale (trading-heartbeat-check).
pub const STALE_HEARTBEATS: Metric = environment_only("StaleHeartbeats", Unit::Count);
/// Highest population-stability index over the models checked (drift-monitor).
pub const DRIFT_PSI: Metric = environment_only("DriftPSI", Unit::None);
/// Backtest requests taken from the queue and launched (backtest-consumer).
pub const BACKTEST_TASKS_LAUNCHED: Metric = environment_only("BacktestTasksLaunched", Unit::Count);
/// Backtest requests that could not be launched (backtest-consumer).
pub const BACKTEST_REQUESTS_FAILED: Metric =
    environment_only("BacktestRequestsFailed", Unit::Count);
/// Orphaned ECS tasks found (orphan-scanner).
pub const ORPHAN_TASKS_FOUND: Metric = environment_only("OrphanTasksFound", Unit::Count);

/// Backtest jobs found stuck PENDING or RUNNING and started again or failed (job-sweeper).
pub const STUCK_JOBS_SWEPT: Metric = environment_only("StuckJobsSwept", Unit::Count);

/// Every custom metric.
pub const ALL: [Metric; 8] = [
    SERVICE_HEALTHY,
    HEALTH_CHECK_LATENCY,
    STALE_HEARTBEATS,
    DRIFT_PSI,
    BACKTEST_TASKS_LAUNCHED,
    BACKTEST_REQUESTS_FAILED,
    ORPHAN_TASKS_FOUND,
    STUCK_JOBS_SWEPT,
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// EMF puts dimension values and metric values side by side at the top of a document, so no name may be
    /// both, and `Environment` is never repeated among a metric's own dimensions.
    #[test]
    fn names_are_unique_and_never_a_dimension() {
        let names: BTreeSet<&str> = ALL.iter().map(|m| m.name).collect();
        assert_eq!(names.len(), ALL.len());
        for metric in ALL {
            assert_eq!(metric.dimension_names()[0], ENVIRONMENT_DIMENSION);
            for dimension in metric.dimension_names() {
                assert!(!names.contains(dimension), "{dimension}");
            }
            assert!(!metric.dimensions.contains(&ENVIRONMENT_DIMENSION));
            assert_eq!(Metric::named(metric.name), Some(metric));
        }
        assert_eq!(Metric::named("Nothing"), None);
    }
}
