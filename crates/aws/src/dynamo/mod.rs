//! DynamoDB: records as items, keys and indexes from the table's config.

mod convert;
mod store;

pub use store::DynamoRecordStore;
