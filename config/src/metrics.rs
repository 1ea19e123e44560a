//! Custom CloudWatch metrics: the Lambdas emit them, the edge stack's alarms and dashboard read them. Both
//! sides use these names, so they cannot drift apart.

/// Namespace of every custom metric; each carries an `Environment` dimension.
pub const NAMESPACE: &str = "TradAI";
/// Dimension holding the environment name.
pub const ENVIRONMENT_DIMENSION: &str = "Environment";
/// 1 when a service answered its health check, 0 when not (health-check; dimension `Service`).
pub const SERVICE_HEALTHY: &str = "ServiceHealthy";
/// Health-check round trip in ms (health-check; dimension `Service`).
pub const HEALTH_CHECK_LATENCY: &str = "HealthCheckLatency";
/// Trading containers whose heartbeat is stale (trading-heartbeat-check).
pub const STALE_HEARTBEATS: &str = "StaleHeartbeats";
/// Highest population-stability index over the monitored models (drift-monitor).
pub const DRIFT_PSI: &str = "DriftPSI";
/// Backtest requests taken from the queue and launched (backtest-consumer).
pub const BACKTEST_TASKS_LAUNCHED: &str = "BacktestTasksLaunched";
/// Backtest requests that could not be launched (backtest-consumer).
pub const BACKTEST_REQUESTS_FAILED: &str = "BacktestRequestsFailed";
/// Orphaned ECS tasks found (orphan-scanner).
pub const ORPHAN_TASKS_FOUND: &str = "OrphanTasksFound";
