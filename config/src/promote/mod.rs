//! Moving values between environments: a key-by-key [`diff`], a promotion [`plan`] that refuses changes to
//! immutable keys, and [`promote_files`] which writes the plan into the target's `<env>.toml`.

mod diff;
mod edit;
mod files;
mod flat;
mod keys;
mod plan;

pub use diff::{diff, diff_flat, ConfigDiff, DiffEntry};
pub use edit::apply_to_toml;
pub use files::{promote_files, PromoteError, PromotionReport};
pub use flat::{flatten, Flat};
pub use keys::{classify, KeyClass, ENV_SCOPED, IMMUTABLE};
pub use plan::{apply_plan, plan, Plan, Refusal};
