//! `UpdateItem` as Step Functions' `dynamodb:updateItem` integration calls it, for the deployment twin: the
//! key and the expression's values as plain JSON (the caller reads DynamoDB's typed JSON), the expression and
//! its names as written. A refusal comes back as DynamoDB's error code and message, which the integration
//! names `DynamoDB.<code>`.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use serde_json::{Map, Value};

use super::convert::to_item;
use crate::Clients;

/// Update the item `key` of `table` with `expression`; the error code and message of a refusal.
pub async fn update_item(
    clients: &Clients,
    table: &str,
    key: &Map<String, Value>,
    expression: &str,
    names: &Map<String, Value>,
    values: &Map<String, Value>,
) -> Result<(), (String, String)> {
    let names: HashMap<String, String> = names
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect();
    clients
        .dynamodb
        .update_item()
        .table_name(table)
        .set_key(Some(to_item(key)))
        .update_expression(expression)
        .set_expression_attribute_names((!names.is_empty()).then_some(names))
        .set_expression_attribute_values((!values.is_empty()).then(|| to_item(values)))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            let code = e.code().unwrap_or("InternalServerError").to_owned();
            let message = e.message().map_or_else(|| e.to_string(), str::to_owned);
            (code, message)
        })
}
