//! `tradai-aws`: adapters of the TradAI-rs ports over aws-sdk-rust. Resource names come only from the canonical
//! config; an endpoint override points every client at an emulator (S3 then uses path-style addressing).
//! `provision` creates the config's tables, buckets, queues and topics (for emulators and local platforms).

mod calls;
mod dynamo;
mod ecs;
mod error;
mod logs;
#[cfg(feature = "nat")]
mod nat;
pub mod provision;
mod s3;
mod sdk;
#[cfg(feature = "secrets")]
mod secrets;
mod sfn;
mod sns;
mod sqs;

pub use calls::{iam_action, CallLog};
pub use dynamo::{update_item, DynamoRecordStore, DynamoTransactor};
pub use ecs::EcsTaskRunner;
pub use error::domain_error;
pub use logs::CloudWatchLogs;
#[cfg(feature = "nat")]
pub use nat::Ec2NatRouting;
pub use s3::S3ObjectStore;
pub use sdk::{loader, Clients, Endpoint};
#[cfg(feature = "secrets")]
pub use secrets::{secret_string, SECRETS_ACCESS};
pub use sfn::SfnWorkflows;
pub use sns::SnsNotifier;
pub use sqs::SqsQueue;
pub use tradai_domain::ports::TaskNetwork;
