//! Strategy configs (reference §7.2): stored as `strategies/<name>.json` in the configs bucket (decision S12);
//! list, get, validate, merge base + overrides.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tradai_domain::entities::{merge, ConfigIssue, StrategyConfig};
use tradai_domain::ports::StoredObject;
use tradai_domain::DomainError;
use tradai_service_kit::auth::{need, Authorized};
use tradai_service_kit::{ApiError, JsonBody, ValidationCode};
use utoipa::ToSchema;

use crate::AppState;

/// Where a strategy's config lives in the configs bucket.
pub fn key(name: &str) -> String {
    format!("strategies/{name}.json")
}

/// A stored strategy in a listing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StrategySummary {
    pub name: String,
    pub description: String,
    pub timeframe: String,
    pub symbols: Vec<String>,
}

/// The outcome of a validation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Validation {
    pub valid: bool,
    /// Each broken rule with the path of its field.
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<ConfigIssue>,
}

/// A merge request: a stored strategy (by name) or a config, and overrides (an RFC 7386 merge patch).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// A strategy name, or a whole config.
    #[schema(value_type = Object)]
    pub base: Value,
    #[schema(value_type = Object)]
    pub overrides: Value,
}

/// The merged config and its validation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Merged {
    #[schema(value_type = Object)]
    pub config: Value,
    pub valid: bool,
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<ConfigIssue>,
}

fn validation(document: &Value) -> (bool, Vec<ConfigIssue>) {
    match StrategyConfig::parse(document) {
        Ok(_) => (true, vec![]),
        Err(errors) => (false, errors),
    }
}

/// The stored strategy `name`'s config document (404 when there is none).
pub async fn load(state: &AppState, name: &str) -> Result<Value, ApiError> {
    let object = state.configs.get(&key(name)).await.map_err(|e| match e {
        DomainError::NotFound { .. } => ApiError::not_found("Strategy", name),
        other => ApiError::unavailable("configs bucket", &other.to_string()),
    })?;
    serde_json::from_slice(&object.body).map_err(|e| {
        tracing::error!(strategy = name, error = %e, "a stored strategy is not JSON");
        ApiError::internal()
    })
}

/// Store `config` (used to seed the bundled sample strategies).
pub async fn store(state: &AppState, config: &StrategyConfig) -> Result<(), DomainError> {
    let body = serde_json::to_vec_pretty(config)
        .map_err(|e| DomainError::validation("config", e.to_string()))?;
    state
        .configs
        .put(
            &key(&config.name),
            StoredObject {
                body,
                content_type: "application/json".into(),
                metadata: BTreeMap::new(),
            },
        )
        .await
}

/// Every stored strategy.
#[utoipa::path(get, path = "/api/v1/strategies", tag = "strategies",
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = [StrategySummary])), security(("cognito" = ["read"])))]
pub async fn list(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
) -> Result<Json<Vec<StrategySummary>>, ApiError> {
    let keys = state
        .configs
        .list("strategies/")
        .await
        .map_err(|e| ApiError::unavailable("configs bucket", &e.to_string()))?;
    let mut out = Vec::new();
    for name in keys
        .iter()
        .filter_map(|k| k.strip_prefix("strategies/")?.strip_suffix(".json"))
    {
        let document = load(&state, name).await?;
        let text = |field: &str| document[field].as_str().unwrap_or_default().to_owned();
        out.push(StrategySummary {
            name: name.to_owned(),
            description: text("description"),
            timeframe: text("timeframe"),
            symbols: document["symbols"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        });
    }
    Ok(Json(out))
}

/// One strategy's config.
#[utoipa::path(get, path = "/api/v1/strategies/{config_name}", tag = "strategies", params(("config_name" = String, Path)),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, description = "the strategy config"), (status = 404, body = ApiError)), security(("cognito" = ["read"])))]
pub async fn get(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(load(&state, &name).await?))
}

/// Check a config against every rule (200 with the outcome; the config is not stored).
#[utoipa::path(post, path = "/api/v1/strategies/validate", tag = "strategies",
    request_body(content = Object, description = "the strategy config to check"),
    responses((status = 413, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = Validation), (status = 400, body = ApiError)), security(("cognito" = ["read"])))]
pub async fn validate(
    _: Authorized<need::Read>,
    JsonBody(document): JsonBody<Value>,
) -> Result<Json<Validation>, ApiError> {
    let (valid, errors) = validation(&document);
    Ok(Json(Validation { valid, errors }))
}

/// Merge overrides into a stored strategy or a given config, and check the result.
#[utoipa::path(post, path = "/api/v1/strategies/merge", tag = "strategies", request_body = MergeRequest,
    responses((status = 413, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = Merged), (status = 400, body = ApiError), (status = 404, body = ApiError)),
    security(("cognito" = ["read"])))]
pub async fn merge_configs(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    JsonBody(request): JsonBody<MergeRequest>,
) -> Result<Json<Merged>, ApiError> {
    if !request.overrides.is_object() {
        return Err(ApiError::validation(
            ValidationCode::ConfigFormat,
            "overrides",
            &request.overrides,
            "a JSON object (merge patch)",
        ));
    }
    let base = match &request.base {
        Value::String(name) => load(&state, name).await?,
        Value::Object(_) => request.base.clone(),
        other => {
            return Err(ApiError::validation(
                ValidationCode::ConfigFormat,
                "base",
                other,
                "a strategy name or a config object",
            ))
        }
    };
    let config = merge(&base, &request.overrides);
    let (valid, errors) = validation(&config);
    Ok(Json(Merged {
        config,
        valid,
        errors,
    }))
}
