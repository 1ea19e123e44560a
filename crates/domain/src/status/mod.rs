//! The five lifecycles of reference §12, each an enum with its allowed transitions.
//!
//! Rules common to all: a same-state transition is an idempotent no-op and always allowed (a retried write must
//! not fail); a terminal state accepts no other state; every other move must be listed by the state.

mod config_version;
mod job;
mod model;
mod retraining;
mod trading;

use std::fmt;

pub use config_version::ConfigVersionStatus;
pub use job::JobStatus;
pub use model::ModelStage;
pub use retraining::RetrainingStatus;
pub use trading::TradingStatus;

/// A state of a lifecycle.
pub trait Lifecycle: Copy + Eq + fmt::Debug + fmt::Display + 'static {
    /// The lifecycle's name in messages (`job`, `trading session`, …).
    const NAME: &'static str;
    /// Every state.
    const ALL: &'static [Self];

    /// The states this one may move to (besides itself).
    fn next(self) -> &'static [Self];

    /// Whether no further state is possible.
    fn is_terminal(self) -> bool {
        self.next().is_empty()
    }

    /// Whether `self → to` is allowed (same-state included).
    fn can_transition_to(self, to: Self) -> bool {
        self == to || self.next().contains(&to)
    }

    /// The states from which `to` may be reached: the guard of a conditional write.
    fn allowed_from(to: Self) -> Vec<Self> {
        Self::ALL
            .iter()
            .copied()
            .filter(|from| from.can_transition_to(to))
            .collect()
    }

    /// Check a transition: `Ok(true)` when the state changes, `Ok(false)` for an idempotent repeat.
    fn transition(self, to: Self) -> Result<bool, InvalidTransition> {
        if self == to {
            Ok(false)
        } else if self.next().contains(&to) {
            Ok(true)
        } else {
            Err(InvalidTransition {
                lifecycle: Self::NAME,
                from: self.to_string(),
                to: to.to_string(),
                allowed: self.next().iter().map(ToString::to_string).collect(),
            })
        }
    }
}

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{lifecycle} cannot move from {from} to {to}: {}", allowed_text(.from, .allowed))]
pub struct InvalidTransition {
    pub lifecycle: &'static str,
    pub from: String,
    pub to: String,
    pub allowed: Vec<String>,
}

fn allowed_text(from: &str, allowed: &[String]) -> String {
    if allowed.is_empty() {
        format!("{from} is terminal")
    } else {
        format!("allowed from {from}: {}", allowed.join(", "))
    }
}

/// Implement `Display`/`FromStr` over the serde names of a lifecycle enum.
macro_rules! names {
    ($ty:ty { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The stored name of the state.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),+ }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = crate::DomainError;

            /// Case-insensitive, so `RUNNING` (Step Functions input) and `running` (stored) both parse.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <Self as crate::status::Lifecycle>::ALL
                    .iter()
                    .copied()
                    .find(|state| state.as_str().eq_ignore_ascii_case(s))
                    .ok_or_else(|| crate::DomainError::validation(
                        "status",
                        format!("'{s}' is not a {} state; allowed: {}", <Self as crate::status::Lifecycle>::NAME,
                            <Self as crate::status::Lifecycle>::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(", ")),
                    ))
            }
        }
    };
}
pub(crate) use names;

#[cfg(test)]
pub(crate) mod laws {
    //! Properties every lifecycle must have.
    use super::Lifecycle;

    /// Same-state is a no-op, terminal states accept nothing else, `allowed_from` agrees with `can_transition_to`,
    /// and names round-trip.
    pub fn check<S: Lifecycle + std::str::FromStr>()
    where
        S::Err: std::fmt::Debug,
    {
        for &from in S::ALL {
            assert_eq!(
                from.transition(from),
                Ok(false),
                "{from} → {from} is idempotent"
            );
            assert_eq!(
                from.to_string().to_uppercase().parse::<S>().ok(),
                Some(from),
                "{from} round-trips"
            );
            for &to in S::ALL {
                assert_eq!(
                    S::allowed_from(to).contains(&from),
                    from.can_transition_to(to)
                );
                if from.is_terminal() && from != to {
                    assert!(
                        from.transition(to).is_err(),
                        "terminal {from} must reject {to}"
                    );
                }
            }
        }
    }
}
