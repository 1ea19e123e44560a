//! ML retraining lifecycle (reference §12.4; the nine states are decided in decisions.md from the workflow of §11.3).

use serde::{Deserialize, Serialize};

use super::{names, Lifecycle};

/// Status of one retraining run, stored in `tradai-retraining-state-<env>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RetrainingStatus {
    /// Requested (schedule, drift or manual), not yet evaluated.
    Pending,
    /// CheckRetrainingNeeded is deciding.
    Checking,
    /// Not needed (recently trained, no drift, not due) or invalid model.
    Skipped,
    /// The training task runs.
    Training,
    /// Champion and challenger are compared.
    Comparing,
    /// The challenger is being promoted.
    Promoting,
    /// Finished (promoted or kept the champion).
    Completed,
    /// A step failed.
    Failed,
    /// Stopped by an operator.
    Cancelled,
}

names!(RetrainingStatus {
    Pending => "pending", Checking => "checking", Skipped => "skipped", Training => "training", Comparing => "comparing",
    Promoting => "promoting", Completed => "completed", Failed => "failed", Cancelled => "cancelled",
});

impl Lifecycle for RetrainingStatus {
    const NAME: &'static str = "retraining";
    const ALL: &'static [Self] = &[
        Self::Pending,
        Self::Checking,
        Self::Skipped,
        Self::Training,
        Self::Comparing,
        Self::Promoting,
        Self::Completed,
        Self::Failed,
        Self::Cancelled,
    ];

    fn next(self) -> &'static [Self] {
        match self {
            Self::Pending => &[Self::Checking, Self::Failed, Self::Cancelled],
            Self::Checking => &[Self::Skipped, Self::Training, Self::Failed, Self::Cancelled],
            Self::Training => &[Self::Comparing, Self::Failed, Self::Cancelled],
            Self::Comparing => &[Self::Promoting, Self::Completed, Self::Failed],
            Self::Promoting => &[Self::Completed, Self::Failed],
            Self::Skipped | Self::Completed | Self::Failed | Self::Cancelled => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_retraining_workflow() {
        super::super::laws::check::<RetrainingStatus>();
        assert!(
            RetrainingStatus::Comparing.can_transition_to(RetrainingStatus::Completed),
            "keep the champion"
        );
        assert!(
            !RetrainingStatus::Promoting.can_transition_to(RetrainingStatus::Cancelled),
            "promotion is not interrupted"
        );
        let terminal: Vec<_> = RetrainingStatus::ALL
            .iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(terminal.len(), 4);
    }
}
