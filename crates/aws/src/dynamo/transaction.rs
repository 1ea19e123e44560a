//! Transactions over the config's tables: one `TransactWriteItems` of conditional puts.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use tradai_config::access::{self, Access};
use tradai_config::Config;
use tradai_domain::ports::{Created, NewRecord, TableLayout, Transactor};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::{DomainError, ExternalKind, Result};

use super::convert::to_item;
use super::store::absent_condition;
use crate::error::domain_error;

/// Atomic creates across the tables of one config.
pub struct DynamoTransactor {
    client: Client,
    /// Table name and layout per config key.
    tables: BTreeMap<String, (String, TableLayout)>,
    policy: Arc<ResiliencePolicy>,
}

impl std::fmt::Debug for DynamoTransactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoTransactor")
            .field("tables", &self.tables.keys())
            .finish()
    }
}

impl DynamoTransactor {
    /// Every AWS action it calls: a put per item (`tradai_config::access`).
    pub const ACCESS: &'static [&'static Access] = &[&access::RECORD_STORE];

    /// Transactions over every table of `config`.
    pub fn new(client: Client, config: &Config, policy: Arc<ResiliencePolicy>) -> Self {
        let tables = config
            .settings()
            .tables
            .iter()
            .map(|(key, spec)| {
                let name = config.names().table(key).to_string();
                (key.clone(), (name, TableLayout::from_spec(key, spec)))
            })
            .collect();
        DynamoTransactor {
            client,
            tables,
            policy,
        }
    }

    fn put(&self, record: &NewRecord) -> Result<TransactWriteItem> {
        let (name, layout) = self.tables.get(record.table).ok_or_else(|| {
            DomainError::Configuration(format!("the config has no table '{}'", record.table))
        })?;
        let (condition, names, values) = absent_condition(layout);
        let put = Put::builder()
            .table_name(name)
            .set_item(Some(to_item(&record.item)))
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(values)
            .build()
            .map_err(|e| DomainError::Configuration(format!("a transaction put: {e}")))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

#[async_trait]
impl Transactor for DynamoTransactor {
    async fn create_all(&self, records: &[NewRecord], token: &str) -> Result<Created> {
        let items = records
            .iter()
            .map(|r| self.put(r))
            .collect::<Result<Vec<_>>>()?;
        let token: String = token.chars().take(36).collect();
        self.policy
            .protect(|| async {
                let request = self
                    .client
                    .transact_write_items()
                    .set_transact_items(Some(items.clone()))
                    .client_request_token(&token);
                let err = match request.send().await {
                    Ok(_) => return Ok(Created::All),
                    Err(err) => err,
                };
                let Some(TransactWriteItemsError::TransactionCanceledException(canceled)) =
                    err.as_service_error()
                else {
                    return Err(domain_error("dynamodb", err));
                };
                let codes: Vec<&str> = canceled
                    .cancellation_reasons()
                    .iter()
                    .map(|r| r.code().unwrap_or("None"))
                    .collect();
                if codes
                    .iter()
                    .all(|c| matches!(*c, "None" | "ConditionalCheckFailed"))
                {
                    let taken = (0..codes.len())
                        .filter(|i| codes[*i] == "ConditionalCheckFailed")
                        .collect();
                    return Ok(Created::Taken(taken));
                }
                // A conflicting concurrent transaction or a throttled item: worth another attempt.
                Err(DomainError::external(
                    "dynamodb",
                    ExternalKind::Throttled,
                    format!("transaction cancelled: {}", codes.join(", ")),
                ))
            })
            .await
    }
}
