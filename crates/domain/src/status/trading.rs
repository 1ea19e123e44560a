//! Trading session lifecycle (reference §12.2; four of six states documented, the rest decided in decisions.md).

use serde::{Deserialize, Serialize};

use super::{names, Lifecycle};

/// Status of a live or dry-run trading session, stored in `tradai-trading-state-<env>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TradingStatus {
    /// Container starting, loading models and warming up from market data.
    Warmup,
    /// Trading.
    Running,
    /// Holding positions, placing no new orders.
    Paused,
    /// Closing down on request.
    Stopping,
    /// Not trading; may be restarted.
    Stopped,
    /// Crashed or unhealthy; needs a restart.
    Error,
}

names!(TradingStatus { Warmup => "warmup", Running => "running", Paused => "paused", Stopping => "stopping", Stopped => "stopped", Error => "error" });

impl Lifecycle for TradingStatus {
    const NAME: &'static str = "trading session";
    const ALL: &'static [Self] = &[
        Self::Warmup,
        Self::Running,
        Self::Paused,
        Self::Stopping,
        Self::Stopped,
        Self::Error,
    ];

    fn next(self) -> &'static [Self] {
        match self {
            Self::Warmup => &[Self::Running, Self::Stopping, Self::Stopped, Self::Error],
            Self::Running => &[Self::Paused, Self::Stopping, Self::Stopped, Self::Error],
            Self::Paused => &[Self::Running, Self::Stopping, Self::Stopped, Self::Error],
            Self::Stopping => &[Self::Stopped, Self::Error],
            // The trading runbook restarts a session by setting stopped, then running.
            Self::Stopped => &[Self::Warmup, Self::Running],
            Self::Error => &[Self::Warmup, Self::Stopped],
        }
    }
}

impl TradingStatus {
    /// Whether the heartbeat checker expects heartbeats in this state (reference §10.3: warmup or running).
    pub fn expects_heartbeat(self) -> bool {
        matches!(self, Self::Warmup | Self::Running)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_can_pause_resume_and_restart_but_never_jump_from_error_to_running() {
        super::super::laws::check::<TradingStatus>();
        assert!(TradingStatus::Running.can_transition_to(TradingStatus::Paused));
        assert!(TradingStatus::Paused.can_transition_to(TradingStatus::Running));
        assert!(TradingStatus::Stopped.can_transition_to(TradingStatus::Running));
        assert!(!TradingStatus::Error.can_transition_to(TradingStatus::Running));
        assert!(TradingStatus::ALL.iter().all(|s| !s.is_terminal()));
        assert!(
            TradingStatus::Warmup.expects_heartbeat() && !TradingStatus::Paused.expects_heartbeat()
        );
    }
}
