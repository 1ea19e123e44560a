//! A record store over one DynamoDB table, with conditional writes for guards and TTL-aware reads.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;
use tradai_config::access::{self, Access};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use serde_json::{Map, Value};
use tradai_config::Config;
use tradai_domain::entities::{Record, Timestamp};
use tradai_domain::ports::{Condition, Guarded, Order, Page, RecordKey, RecordStore, TableLayout};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::{DomainError, Result};

use super::convert::{from_item, to_attribute, to_item};
use super::expression::Expression;
use crate::error::domain_error;

pub(super) type Item = HashMap<String, AttributeValue>;

/// Records of type `R` in their table.
pub struct DynamoRecordStore<R> {
    client: Client,
    table: String,
    layout: TableLayout,
    policy: Arc<ResiliencePolicy>,
    _record: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for DynamoRecordStore<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoRecordStore")
            .field("table", &self.table)
            .finish()
    }
}

impl<R: Record> DynamoRecordStore<R> {
    /// Every AWS action it calls (`tradai_config::access`).
    pub const ACCESS: &'static [&'static Access] = &[&access::RECORD_STORE];

    /// The store of `R` in the table the config names for `R::TABLE`.
    pub fn new(client: Client, config: &Config, policy: Arc<ResiliencePolicy>) -> Result<Self> {
        let spec = config.settings().tables.get(R::TABLE).ok_or_else(|| {
            DomainError::Configuration(format!("the config has no table '{}'", R::TABLE))
        })?;
        Ok(DynamoRecordStore {
            client,
            table: config.names().table(R::TABLE).to_string(),
            layout: TableLayout::from_spec(R::TABLE, spec),
            policy,
            _record: PhantomData,
        })
    }

    fn key_item(&self, key: &RecordKey) -> Item {
        let mut item = HashMap::from([(
            self.layout.partition.clone(),
            AttributeValue::S(key.partition.clone()),
        )]);
        if let (Some(attr), Some(sort)) = (&self.layout.sort, &key.sort) {
            item.insert(attr.clone(), AttributeValue::S(sort.clone()));
        }
        item
    }

    fn encode(&self, record: &R) -> Result<Map<String, Value>> {
        match serde_json::to_value(record) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(DomainError::Configuration(format!(
                "records of {} must serialise to objects",
                self.table
            ))),
        }
    }

    fn decode(&self, item: &Item) -> Result<Option<R>> {
        let value = from_item(item);
        if self
            .layout
            .is_expired(&value, Timestamp::now().epoch_seconds())
        {
            return Ok(None);
        }
        serde_json::from_value(value).map(Some).map_err(|err| {
            DomainError::Configuration(format!("an item of {} does not decode: {err}", self.table))
        })
    }

    async fn get_item(&self, key: &RecordKey) -> Result<Option<Item>> {
        let output = self
            .policy
            .protect(|| async {
                let request = self
                    .client
                    .get_item()
                    .table_name(&self.table)
                    .set_key(Some(self.key_item(key)))
                    .consistent_read(true);
                request
                    .send()
                    .await
                    .map_err(|e| domain_error("dynamodb", e))
            })
            .await?;
        Ok(output.item)
    }

    /// Query a partition of the table or of an index, paging past expired items until `limit` live ones.
    async fn query_page(
        &self,
        index: Option<&str>,
        attr: &str,
        value: &str,
        order: Order,
        limit: usize,
        start: Option<Item>,
    ) -> Result<(Vec<R>, Option<Item>)> {
        let mut items = Vec::new();
        if limit == 0 {
            return Ok((items, start));
        }
        let mut start = start;
        loop {
            let want = i32::try_from(limit - items.len()).unwrap_or(i32::MAX);
            let output = self
                .policy
                .protect(|| async {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .set_index_name(index.map(str::to_owned))
                        .key_condition_expression("#k = :v")
                        .expression_attribute_names("#k", attr)
                        .expression_attribute_values(":v", AttributeValue::S(value.to_owned()))
                        .scan_index_forward(order == Order::OldestFirst)
                        // The base table reads what was written before (activation and claim checks rely
                        // on it); a global index cannot be read consistently.
                        .consistent_read(index.is_none())
                        .limit(want)
                        .set_exclusive_start_key(start.clone())
                        .send()
                        .await
                        .map_err(|e| domain_error("dynamodb", e))
                })
                .await?;
            for item in output.items() {
                if let Some(record) = self.decode(item)? {
                    items.push(record);
                }
            }
            start = output.last_evaluated_key;
            if items.len() >= limit || start.is_none() {
                return Ok((items, start));
            }
        }
    }
}

#[async_trait]
impl<R: Record> RecordStore<R> for DynamoRecordStore<R> {
    async fn get(&self, key: &RecordKey) -> Result<Option<R>> {
        match self.get_item(key).await? {
            Some(item) => self.decode(&item),
            None => Ok(None),
        }
    }

    async fn put(&self, record: &R) -> Result<()> {
        let item = to_item(&self.encode(record)?);
        self.policy
            .protect(|| async {
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item.clone()))
                    .send()
                    .await
                    .map_err(|e| domain_error("dynamodb", e))
            })
            .await?;
        Ok(())
    }

    async fn put_if_absent(&self, record: &R) -> Result<bool> {
        let item = to_item(&self.encode(record)?);
        let (condition, names, values) = absent_condition(&self.layout);
        self.policy
            .protect(|| async {
                let request = self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item.clone()))
                    .condition_expression(&condition)
                    .set_expression_attribute_names(Some(names.clone()))
                    .set_expression_attribute_values(values.clone());
                match request.send().await {
                    Ok(_) => Ok(true),
                    Err(err)
                        if err
                            .as_service_error()
                            .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                    {
                        Ok(false)
                    }
                    Err(err) => Err(domain_error("dynamodb", err)),
                }
            })
            .await
    }

    async fn query(&self, partition: &str, order: Order, limit: usize) -> Result<Vec<R>> {
        if self.layout.sort.is_none() {
            return Err(DomainError::Configuration(format!(
                "table {} has no sort key to query by",
                self.table
            )));
        }
        Ok(self
            .query_page(None, &self.layout.partition, partition, order, limit, None)
            .await?
            .0)
    }

    async fn query_index(
        &self,
        index: &str,
        value: &str,
        order: Order,
        limit: usize,
        after: Option<&str>,
    ) -> Result<Page<R>> {
        let partition = self.layout.index(index)?.partition.clone();
        let start = match after {
            Some(cursor) => match serde_json::from_str::<Value>(cursor) {
                Ok(Value::Object(map)) => Some(to_item(&map)),
                _ => {
                    return Err(DomainError::validation(
                        "cursor",
                        "not a cursor returned by a previous page",
                    ))
                }
            },
            None => None,
        };
        let (items, last) = self
            .query_page(Some(index), &partition, value, order, limit, start)
            .await?;
        Ok(Page {
            items,
            next: last.map(|key| from_item(&key).to_string()),
        })
    }

    async fn update_when(
        &self,
        key: &RecordKey,
        guard: &Condition,
        changes: &Map<String, Value>,
    ) -> Result<Guarded<R>> {
        let mut expression = Expression::default();
        expression
            .names
            .insert("#pk".to_owned(), self.layout.partition.clone());
        let mut sets = Vec::new();
        for (attr, value) in changes {
            let (name, placeholder) =
                (expression.name(attr), expression.value(to_attribute(value)));
            sets.push(format!("{name} = {placeholder}"));
        }
        let condition = expression.render(guard);
        let Expression { names, values } = expression;
        let updated = match condition.filter(|_| !sets.is_empty()) {
            None => None,
            Some(condition) => {
                let update = format!("SET {}", sets.join(", "));
                let condition = format!("attribute_exists(#pk) AND ({condition})");
                self.policy
                    .protect(|| async {
                        let request = self
                            .client
                            .update_item()
                            .table_name(&self.table)
                            .set_key(Some(self.key_item(key)))
                            .update_expression(&update)
                            .condition_expression(&condition)
                            .set_expression_attribute_names(Some(names.clone()))
                            .set_expression_attribute_values(Some(values.clone()))
                            .return_values(ReturnValue::AllNew);
                        match request.send().await {
                            Ok(output) => Ok(output.attributes),
                            Err(err)
                                if err
                                    .as_service_error()
                                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                            {
                                Ok(None)
                            }
                            Err(err) => Err(domain_error("dynamodb", err)),
                        }
                    })
                    .await?
            }
        };
        let missing =
            || DomainError::not_found("record", format!("{}/{}", self.table, key.partition));
        match updated {
            Some(item) => self
                .decode(&item)?
                .map(Guarded::Applied)
                .ok_or_else(missing),
            None => match self.get_item(key).await? {
                Some(item) => self
                    .decode(&item)?
                    .map(Guarded::Rejected)
                    .ok_or_else(missing),
                None => Err(missing()),
            },
        }
    }

    async fn delete(&self, key: &RecordKey) -> Result<()> {
        self.policy
            .protect(|| async {
                let request = self
                    .client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(self.key_item(key)));
                request
                    .send()
                    .await
                    .map_err(|e| domain_error("dynamodb", e))
            })
            .await?;
        Ok(())
    }
}

/// `attribute_not_exists(pk)`, or an expired TTL, as the condition of a put into a table of `layout`.
pub(super) fn absent_condition(
    layout: &TableLayout,
) -> (String, HashMap<String, String>, Option<Item>) {
    let mut names = HashMap::from([("#pk".to_owned(), layout.partition.clone())]);
    match &layout.ttl {
        Some(ttl) => {
            names.insert("#ttl".into(), ttl.clone());
            let values = HashMap::from([(
                ":now".to_owned(),
                AttributeValue::N(Timestamp::now().epoch_seconds().to_string()),
            )]);
            (
                "attribute_not_exists(#pk) OR #ttl <= :now".into(),
                names,
                Some(values),
            )
        }
        None => ("attribute_not_exists(#pk)".into(), names, None),
    }
}
