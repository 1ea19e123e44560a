//! `/api/v1/configs`: strategy config versions with content-addressed ids (DRAFT → ACTIVE → DEPRECATED).
//! Activating a version deprecates the strategy's previously active one, so at most one is ACTIVE.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use tradai_domain::entities::{ConfigVersion, Timestamp};
use tradai_domain::ports::{lifecycle, Guarded, Order, RecordKey};
use tradai_domain::ConfigVersionStatus;
use tradai_service_kit::auth::{need, Authorized};
use tradai_service_kit::{ApiError, JsonBody, ValidationCode};
use utoipa::ToSchema;

use crate::AppState;

/// A new config version.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConfig {
    #[schema(example = "sma-crossover")]
    pub strategy_name: String,
    /// The strategy's parameters (a JSON object).
    #[schema(value_type = Object)]
    pub config_data: serde_json::Value,
    #[serde(default)]
    pub description: String,
}

/// A config version as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConfigView {
    pub strategy_name: String,
    /// `v1-` + 8 hex digits of the content's SHA-256.
    pub config_id: String,
    /// DRAFT, ACTIVE or DEPRECATED.
    pub status: String,
    #[schema(value_type = Object)]
    pub config_data: serde_json::Value,
    pub description: String,
    pub created_at: String,
}

impl From<&ConfigVersion> for ConfigView {
    fn from(v: &ConfigVersion) -> Self {
        ConfigView {
            strategy_name: v.strategy_name.clone(),
            config_id: v.config_id.clone(),
            status: v.status.to_string(),
            config_data: v.config_data.clone(),
            description: v.description.clone(),
            created_at: v.created_at.to_string(),
        }
    }
}

fn key(strategy: &str, config_id: &str) -> RecordKey {
    RecordKey::with_sort(strategy, config_id)
}

async fn find(
    state: &AppState,
    strategy: &str,
    config_id: &str,
) -> Result<ConfigVersion, ApiError> {
    state
        .configs
        .get(&key(strategy, config_id))
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::not_found("Config version", &format!("{strategy}/{config_id}")))
}

/// Create a DRAFT version; the same content for the same strategy is the same version (200, not a copy).
#[utoipa::path(post, path = "/api/v1/configs", tag = "configs", request_body = CreateConfig,
    responses((status = 413, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 201, body = ConfigView), (status = 200, body = ConfigView), (status = 400, body = ApiError)),
    security(("cognito" = ["configs.write"])))]
pub async fn create(
    State(state): State<AppState>,
    _: Authorized<need::WriteConfigs>,
    JsonBody(body): JsonBody<CreateConfig>,
) -> Result<(StatusCode, Json<ConfigView>), ApiError> {
    if body.strategy_name.trim().is_empty() {
        return Err(ApiError::validation(
            ValidationCode::MissingField,
            "strategy_name",
            "",
            "a strategy name",
        ));
    }
    if !body.config_data.is_object() {
        return Err(ApiError::validation(
            ValidationCode::ConfigFormat,
            "config_data",
            &body.config_data,
            "a JSON object",
        ));
    }
    let version = ConfigVersion::draft(
        body.strategy_name,
        body.config_data,
        body.description,
        Timestamp::now(),
    );
    if state
        .configs
        .put_if_absent(&version)
        .await
        .map_err(ApiError::from)?
    {
        return Ok((StatusCode::CREATED, Json(ConfigView::from(&version))));
    }
    let existing = find(&state, &version.strategy_name, &version.config_id).await?;
    Ok((StatusCode::OK, Json(ConfigView::from(&existing))))
}

/// A strategy's versions, newest id first.
#[utoipa::path(get, path = "/api/v1/configs/{strategy}", tag = "configs", params(("strategy" = String, Path)),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = [ConfigView])), security(("cognito" = ["read"])))]
pub async fn list(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    Path(strategy): Path<String>,
) -> Result<Json<Vec<ConfigView>>, ApiError> {
    let versions = state
        .configs
        .query(&strategy, Order::NewestFirst, 100)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(versions.iter().map(ConfigView::from).collect()))
}

/// One version.
#[utoipa::path(get, path = "/api/v1/configs/{strategy}/{config_id}", tag = "configs",
    params(("strategy" = String, Path), ("config_id" = String, Path)),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = ConfigView), (status = 404, body = ApiError)), security(("cognito" = ["read"])))]
pub async fn show(
    State(state): State<AppState>,
    _: Authorized<need::Read>,
    Path((strategy, config_id)): Path<(String, String)>,
) -> Result<Json<ConfigView>, ApiError> {
    Ok(Json(ConfigView::from(
        &find(&state, &strategy, &config_id).await?,
    )))
}

async fn move_to(
    state: &AppState,
    strategy: &str,
    config_id: &str,
    to: ConfigVersionStatus,
) -> Result<ConfigVersion, ApiError> {
    find(state, strategy, config_id).await?;
    match lifecycle::transition(
        state.configs.as_ref(),
        &key(strategy, config_id),
        to,
        Default::default(),
    )
    .await
    .map_err(ApiError::from)?
    {
        Guarded::Applied(version) => Ok(version),
        // Already there (a terminal repeat writes nothing): idempotent, not a conflict.
        Guarded::Rejected(current) if current.status == to => Ok(current),
        Guarded::Rejected(current) => Err(refused(strategy, config_id, &current, to)),
    }
}

/// The 409 of a version whose status does not allow `to`.
fn refused(
    strategy: &str,
    config_id: &str,
    current: &ConfigVersion,
    to: ConfigVersionStatus,
) -> ApiError {
    ApiError::conflict(
        format!(
            "config version {strategy}/{config_id} is {}; it cannot become {to}",
            current.status
        ),
        serde_json::json!({"status": current.status.to_string()}),
    )
}

/// Make a version the strategy's ACTIVE one (the previous ACTIVE one is deprecated).
#[utoipa::path(post, path = "/api/v1/configs/{strategy}/{config_id}/activate", tag = "configs",
    params(("strategy" = String, Path), ("config_id" = String, Path)),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = ConfigView), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("cognito" = ["configs.activate"])))]
pub async fn activate(
    State(state): State<AppState>,
    _: Authorized<need::ActivateConfigs>,
    Path((strategy, config_id)): Path<(String, String)>,
) -> Result<Json<ConfigView>, ApiError> {
    find(&state, &strategy, &config_id).await?;
    let mut changes = serde_json::Map::new();
    let stamp = format!("{}/{config_id}", Timestamp::now());
    changes.insert(ACTIVATED.into(), stamp.clone().into());
    let active = match lifecycle::transition(
        state.configs.as_ref(),
        &key(&strategy, &config_id),
        ConfigVersionStatus::Active,
        changes,
    )
    .await
    .map_err(ApiError::from)?
    {
        Guarded::Applied(version) => version,
        Guarded::Rejected(current) => {
            return Err(refused(
                &strategy,
                &config_id,
                &current,
                ConfigVersionStatus::Active,
            ))
        }
    };
    // Exactly one ACTIVE version survives concurrent activations: the one activated last (by its stamp).
    // Each activator, after its own write, deprecates older ACTIVE versions, and deprecates itself when a
    // newer one is ACTIVE: whichever of two reads the other's write, both agree on the winner.
    let versions = state
        .configs
        .query(&strategy, Order::NewestFirst, 1000)
        .await
        .map_err(ApiError::from)?;
    let mut winner = (stamp.clone(), config_id.clone());
    for other in versions
        .iter()
        .filter(|v| v.status == ConfigVersionStatus::Active && v.config_id != config_id)
    {
        let theirs = activated(other);
        if theirs > stamp {
            winner = winner.max((theirs, other.config_id.clone()));
        } else {
            deprecate_if_active(&state, &strategy, &other.config_id).await?;
        }
    }
    if winner.1 != config_id {
        deprecate_if_active(&state, &strategy, &config_id).await?;
        return Err(ApiError::conflict(
            format!(
                "config version {strategy}/{} was activated at the same time, later; it is the ACTIVE one",
                winner.1
            ),
            serde_json::json!({"active": winner.1}),
        ));
    }
    Ok(Json(ConfigView::from(&active)))
}

/// The attribute recording when (and as which version) a version became ACTIVE: `<time>/<config id>`.
const ACTIVATED: &str = "activated";

/// When `version` was activated (versions activated before stamps existed sort first).
fn activated(version: &ConfigVersion) -> String {
    version.activated.clone().unwrap_or_default()
}

/// Deprecate a version if it is still ACTIVE (a version already moved on is left as it is).
async fn deprecate_if_active(
    state: &AppState,
    strategy: &str,
    config_id: &str,
) -> Result<(), ApiError> {
    let mut changes = serde_json::Map::new();
    changes.insert(
        "status".into(),
        ConfigVersionStatus::Deprecated.to_string().into(),
    );
    state
        .configs
        .update_if(
            &key(strategy, config_id),
            "status",
            &[ConfigVersionStatus::Active.to_string()],
            &changes,
        )
        .await
        .map_err(ApiError::from)?;
    Ok(())
}

/// Retire a version.
#[utoipa::path(post, path = "/api/v1/configs/{strategy}/{config_id}/deprecate", tag = "configs",
    params(("strategy" = String, Path), ("config_id" = String, Path)),
    responses((status = 401, body = ApiError), (status = 403, body = ApiError), (status = 200, body = ConfigView), (status = 404, body = ApiError), (status = 409, body = ApiError)),
    security(("cognito" = ["configs.activate"])))]
pub async fn deprecate(
    State(state): State<AppState>,
    _: Authorized<need::ActivateConfigs>,
    Path((strategy, config_id)): Path<(String, String)>,
) -> Result<Json<ConfigView>, ApiError> {
    Ok(Json(ConfigView::from(
        &move_to(
            &state,
            &strategy,
            &config_id,
            ConfigVersionStatus::Deprecated,
        )
        .await?,
    )))
}
