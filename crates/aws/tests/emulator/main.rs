//! The AWS adapters against a real emulator (moto, or LocalStack where Docker runs), provisioned from the
//! canonical config, through the same contract suites as the in-memory adapters.

mod features;
mod logs;
mod messaging;
mod records;
mod storage;
mod tasks;
mod workflows;
