//! [`Function`]: the 18 Lambda functions of reference §10.2 and the job sweeper (decision A15), registered once. Their keys are the keys of
//! `[lambdas.*]` in the config (checked both ways when a config loads), the handler the `tradai-lambda` binary
//! serves, the file its handler lives in (`services/lambdas/src/handlers/<key with _>.rs`) and the name the
//! workflows and the local executor invoke. Adding a function means adding a variant here, and the compiler then
//! points at every match that must serve it.

use std::fmt;
use std::str::FromStr;

macro_rules! functions {
    ($($variant:ident => $key:literal,)*) => {
        /// One Lambda function of the platform.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Function {
            $(
                #[doc = concat!("`", $key, "`")]
                $variant,
            )*
        }

        impl Function {
            /// Every function, in the reference's order.
            pub const ALL: [Function; [$(Function::$variant),*].len()] = [$(Function::$variant),*];

            /// Its key (`[lambdas.<key>]`, the handler name).
            pub const fn key(self) -> &'static str {
                match self {
                    $(Function::$variant => $key,)*
                }
            }
        }
    };
}

functions! {
    BacktestConsumer => "backtest-consumer",
    SqsConsumer => "sqs-consumer",
    UpdateStatus => "update-status",
    CleanupResources => "cleanup-resources",
    CheckRetrainingNeeded => "check-retraining-needed",
    CompareModels => "compare-models",
    PromoteModel => "promote-model",
    ModelRollback => "model-rollback",
    RetrainingScheduler => "retraining-scheduler",
    HealthCheck => "health-check",
    TradingHeartbeatCheck => "trading-heartbeat-check",
    DriftMonitor => "drift-monitor",
    OrphanScanner => "orphan-scanner",
    ValidateStrategy => "validate-strategy",
    NotifyCompletion => "notify-completion",
    DataCollectionProxy => "data-collection-proxy",
    PulumiDriftDetector => "pulumi-drift-detector",
    UpdateNatRoutes => "update-nat-routes",
    JobSweeper => "job-sweeper",
}

/// A key that names no function.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{key}' is not a function of the platform; expected one of {allowed}", key = .0, allowed = Function::keys().join(", "))]
pub struct UnknownFunction(pub String);

impl Function {
    /// Every key, in the reference's order.
    pub fn keys() -> Vec<&'static str> {
        Function::ALL.iter().map(|f| f.key()).collect()
    }
}

impl FromStr for Function {
    type Err = UnknownFunction;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        Function::ALL
            .into_iter()
            .find(|f| f.key() == key)
            .ok_or_else(|| UnknownFunction(key.to_owned()))
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_back_and_are_unique() {
        assert_eq!(Function::ALL.len(), 19);
        for function in Function::ALL {
            assert_eq!(function.key().parse::<Function>(), Ok(function));
        }
        let mut keys = Function::keys();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 19);
        let error = "update-dns-routes"
            .parse::<Function>()
            .expect_err("unknown");
        assert!(error
            .to_string()
            .starts_with("'update-dns-routes' is not a function of the platform; expected one of backtest-consumer, sqs-consumer,"));
    }
}
