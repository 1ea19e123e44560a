//! DynamoDB: records as items, keys and indexes from the table's config.

mod convert;
mod expression;
mod store;
mod transaction;
mod update;

pub use store::DynamoRecordStore;
pub use transaction::DynamoTransactor;
pub use update::update_item;
