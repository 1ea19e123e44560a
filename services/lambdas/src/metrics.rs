//! The handlers' custom metrics. Each handler declares what it emits ([`crate::registry::Handler::EMITS`],
//! beside its code) and emits it where it computes the value, through the [`Emitter`] the platform gives it
//! ([`crate::registry::Extras::metrics`]: stdout in Lambda, a buffer in tests, none in the local platform).
//! [`emits`] is the table `tradai infra check` holds the alarms and the dashboard to.

use tradai_config::metrics::{Emitter, Metric, Point};
use tradai_config::Function;
use tradai_domain::entities::Timestamp;

/// What `function` emits: its handler's [`crate::registry::Handler::EMITS`].
pub fn emits(function: Function) -> &'static [Metric] {
    use crate::handlers::*;
    use crate::registry::Handler;
    match function {
        Function::BacktestConsumer => backtest_consumer::BacktestConsumer::EMITS,
        Function::SqsConsumer => sqs_consumer::SqsConsumer::EMITS,
        Function::UpdateStatus => update_status::UpdateStatus::EMITS,
        Function::CleanupResources => cleanup_resources::CleanupResources::EMITS,
        Function::CheckRetrainingNeeded => check_retraining_needed::CheckRetrainingNeeded::EMITS,
        Function::CompareModels => compare_models::CompareModels::EMITS,
        Function::PromoteModel => promote_model::PromoteModel::EMITS,
        Function::ModelRollback => model_rollback::ModelRollback::EMITS,
        Function::RetrainingScheduler => retraining_scheduler::RetrainingScheduler::EMITS,
        Function::HealthCheck => health_check::HealthCheck::EMITS,
        Function::TradingHeartbeatCheck => trading_heartbeat_check::TradingHeartbeatCheck::EMITS,
        Function::DriftMonitor => drift_monitor::DriftMonitor::EMITS,
        Function::OrphanScanner => orphan_scanner::OrphanScanner::EMITS,
        Function::JobSweeper => job_sweeper::JobSweeper::EMITS,
        Function::ValidateStrategy => validate_strategy::ValidateStrategy::EMITS,
        Function::NotifyCompletion => notify_completion::NotifyCompletion::EMITS,
        Function::DataCollectionProxy => data_collection_proxy::DataCollectionProxy::EMITS,
        Function::PulumiDriftDetector => pulumi_drift_detector::PulumiDriftDetector::EMITS,
        Function::UpdateNatRoutes => update_nat_routes::UpdateNatRoutes::EMITS,
    }
}

/// Emit `points` at `now` through `emitter` (none: nowhere). A metric never fails the handler: a refused
/// point or a failed write is logged.
pub(crate) fn emit(emitter: Option<&Emitter>, now: Timestamp, points: &[Point]) {
    if let Some(emitter) = emitter {
        if let Err(error) = emitter.emit(now.datetime().timestamp_millis(), points) {
            tracing::warn!(%error, "metrics not emitted");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every metric the stacks may alarm on has an emitter, and each is emitted by one function only (so the
    /// `Environment` series is one function's).
    #[test]
    fn every_metric_has_one_emitter() {
        for metric in tradai_config::metrics::ALL {
            let emitters: Vec<&str> = Function::ALL
                .into_iter()
                .filter(|f| emits(*f).contains(&metric))
                .map(Function::key)
                .collect();
            assert_eq!(emitters.len(), 1, "{}: {emitters:?}", metric.name);
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use std::sync::{Arc, Mutex};

    use tradai_config::metrics::{emf, Emitted, Emitter};
    use tradai_config::Environment;

    /// A buffer handlers emit into (environment `dev`), read back as CloudWatch would.
    #[derive(Clone, Default)]
    pub struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        /// An emitter writing here.
        pub fn emitter(&self) -> Option<Emitter> {
            Some(Emitter::new(Environment::Dev, self.0.clone()))
        }

        /// Every value written since the last call, each line parsed as an EMF document; a line that is not
        /// one fails the test.
        pub fn take(&self) -> Vec<Emitted> {
            let bytes = std::mem::take(&mut *self.0.lock().expect("buffer"));
            String::from_utf8(bytes)
                .expect("utf-8")
                .lines()
                .flat_map(|line| emf::read(line).unwrap_or_else(|e| panic!("{line}: {e}")))
                .collect()
        }
    }

    /// Each value as `TradAI/StaleHeartbeats{Environment=dev} 1 Count` (namespace/metric, dimensions, value,
    /// unit), for literal comparisons.
    pub fn described(emitted: &[Emitted]) -> Vec<String> {
        emitted
            .iter()
            .map(|e| {
                let dimensions: Vec<String> = e
                    .dimensions
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                format!(
                    "{}/{}{{{}}} {} {}",
                    e.namespace,
                    e.metric,
                    dimensions.join(","),
                    e.value,
                    e.unit.as_deref().unwrap_or("-")
                )
            })
            .collect()
    }
}
