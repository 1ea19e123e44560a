//! `tradai-platform`: the composition root. [`Ports`] builds every port of the platform once, on in-memory
//! adapters ([`Ports::memory`], the embedded default) or AWS ones ([`Ports::aws`], the cloud or an emulator);
//! [`executor`] builds the backtest executors over them. Every binary's `main`, `tradai local up`, the test
//! harnesses and the end-to-end tests assemble the platform here and nowhere else.

pub mod access;
#[cfg(feature = "aws-ports")]
mod aws;
pub mod executor;
mod memory;
mod platform;
mod ports;
pub mod settings;

#[cfg(feature = "aws-ports")]
pub use aws::AwsPorts;
pub use executor::ExecutorKind;
pub use memory::MemoryPorts;
pub use platform::{Adapters, Backing, Platform, PlatformError};
pub use ports::Ports;
pub use settings::{AwsSettings, SettingsError, Variable, VariableSource};
