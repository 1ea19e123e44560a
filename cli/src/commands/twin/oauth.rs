//! The user-pool domain's OAuth 2.0 token endpoint (`/oauth2/token`, client-credentials grant), which the
//! emulator does not serve. The twin answers it as Cognito does for the planned pools' clients: the client's
//! id and secret (HTTP Basic, or the form), its allowed flows and scopes, and its access-token validity are
//! checked against the emulator's record of the client. The token is signed with the emulator's own Cognito
//! key (moto's, from its package), so the services verify it against the keys the emulator serves, as they
//! verify Cognito's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Context as _};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use base64::Engine as _;
use serde_json::{json, Value};
use tradai_service_kit::issuer::Key;

/// moto's Cognito signing key: `<venv>/lib/python*/site-packages/moto/cognitoidp/resources/jwks-private.json.gz`.
pub fn moto_key(venv: &Path) -> anyhow::Result<Key> {
    let lib = venv.join("lib");
    let file: PathBuf = std::fs::read_dir(&lib)
        .with_context(|| format!("reading {}", lib.display()))?
        .flatten()
        .map(|d| {
            d.path()
                .join("site-packages/moto/cognitoidp/resources/jwks-private.json.gz")
        })
        .find(|p| p.exists())
        .ok_or_else(|| anyhow!("moto's Cognito key is not under {}", lib.display()))?;
    let gz = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(gz.as_slice()), &mut text)
        .with_context(|| format!("unpacking {}", file.display()))?;
    let document: Value = serde_json::from_str(&text)?;
    let jwk = document["keys"].get(0).unwrap_or(&document);
    Key::from_private_jwk(jwk).map_err(|e| anyhow!("{}: {e}", file.display()))
}

#[derive(Debug)]
struct Shared {
    clients: tradai_aws::Clients,
    pools: Vec<String>,
    region: String,
    key: Key,
}

type Refusal = (StatusCode, Json<Value>);

fn refused(status: StatusCode, error: &str, description: &str) -> Refusal {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
}

/// `application/x-www-form-urlencoded` fields.
fn form(body: &str) -> HashMap<String, String> {
    form_urlencoded::parse(body.as_bytes()).into_owned().collect()
}

/// The client id and secret of the request: HTTP Basic, else the form's.
fn credentials(headers: &HeaderMap, fields: &HashMap<String, String>) -> Option<(String, String)> {
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(i, s)| (i.to_owned(), s.to_owned()))
        });
    basic.or_else(|| {
        Some((
            fields.get("client_id")?.clone(),
            fields.get("client_secret")?.clone(),
        ))
    })
}

async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: String,
) -> Result<Json<Value>, Refusal> {
    let fields = form(&body);
    if fields.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is served",
        ));
    }
    let (id, secret) = credentials(&headers, &fields).ok_or_else(|| {
        refused(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "no client credentials",
        )
    })?;
    let cognito = tradai_aws::client!(aws_sdk_cognitoidentityprovider, &shared.clients);
    let mut found = None;
    for pool in &shared.pools {
        if let Ok(d) = cognito
            .describe_user_pool_client()
            .user_pool_id(pool)
            .client_id(&id)
            .send()
            .await
        {
            found = d.user_pool_client.map(|c| (pool.clone(), c));
            break;
        }
    }
    let (pool, client) = found
        .ok_or_else(|| refused(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client"))?;
    if client.client_secret() != Some(secret.as_str()) {
        return Err(refused(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "wrong client secret",
        ));
    }
    if !client
        .allowed_o_auth_flows()
        .iter()
        .any(|f| f.as_str() == "client_credentials")
    {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "the client_credentials flow is not allowed",
        ));
    }
    let allowed = client.allowed_o_auth_scopes();
    let scopes: Vec<String> = match fields.get("scope") {
        Some(asked) => asked.split_whitespace().map(str::to_owned).collect(),
        None => allowed.to_vec(),
    };
    if let Some(bad) = scopes.iter().find(|s| !allowed.contains(s)) {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!("{bad} is not allowed"),
        ));
    }
    let unit = client
        .token_validity_units()
        .and_then(|u| u.access_token())
        .map(|u| u.as_str().to_owned());
    let seconds_per = match unit.as_deref() {
        Some("seconds") => 1,
        Some("minutes") => 60,
        Some("days") => 86_400,
        _ => 3_600,
    };
    let validity = client
        .access_token_validity()
        .map_or(3_600, |v| i64::from(v) * seconds_per);
    let now = tradai_service_kit::issuer::now() as i64;
    let claims = json!({"sub": id, "token_use": "access", "scope": scopes.join(" "), "auth_time": now,
        "iss": tradai_service_kit::auth::cognito_issuer(&shared.region, &pool), "exp": now + validity,
        "iat": now, "version": 2, "jti": uuid::Uuid::new_v4().to_string(), "client_id": id});
    Ok(Json(
        json!({"access_token": shared.key.sign(&claims), "expires_in": validity, "token_type": "Bearer"}),
    ))
}

/// Serve the token endpoint for the clients of `pools` on a free loopback port; its URL.
pub async fn start(
    clients: tradai_aws::Clients,
    pools: Vec<String>,
    region: String,
    key: Key,
) -> anyhow::Result<String> {
    let shared = Arc::new(Shared {
        clients,
        pools,
        region,
        key,
    });
    let app = axum::Router::new()
        .route("/oauth2/token", axum::routing::post(token))
        .with_state(shared);
    let address = super::plane::serve_loopback(app).await?;
    Ok(format!("http://{}/oauth2/token", address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_and_basic_credentials_are_read() {
        let f = form("grant_type=client_credentials&scope=tradai-api%2Fbacktests.read+x");
        assert_eq!(f["scope"], "tradai-api/backtests.read x");
        let mut headers = HeaderMap::new();
        let basic = base64::engine::general_purpose::STANDARD.encode("id:s3cret");
        headers.insert(
            "authorization",
            format!("Basic {basic}").parse().expect("header"),
        );
        assert_eq!(
            credentials(&headers, &f),
            Some(("id".into(), "s3cret".into()))
        );
        let f = form("client_id=a&client_secret=b");
        assert_eq!(
            credentials(&HeaderMap::new(), &f),
            Some(("a".into(), "b".into()))
        );
    }
}
