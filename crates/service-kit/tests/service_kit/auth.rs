//! Cognito JWT verification: the valid token passes; every forgery or mismatch is a 401 naming why.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use tower::ServiceExt as _;
use tradai_service_kit::auth::{need, Authorized, Roles, TokenError, Verifier};

use tradai_service_kit::testing::{
    access_claims, machine_claims, now, role_claims, JwksServer, Key, CLIENT,
};

fn verifier(server: &JwksServer) -> Verifier {
    server.verifier()
}

fn b64(value: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

/// What a refused token's error must look like.
type Expect = fn(&TokenError) -> bool;

/// The eight cases of the issue, against one JWKS server: only the first passes.
#[tokio::test]
async fn only_a_valid_token_passes() {
    let key = Key::new("key-1");
    let server = JwksServer::start(vec![key.jwk()]).await;
    let verifier = verifier(&server);
    let issuer = server.issuer();

    let principal = verifier
        .verify(&key.sign(&access_claims(&issuer)))
        .await
        .expect("valid");
    assert_eq!(
        (principal.subject.as_str(), principal.client_id.as_str()),
        ("user-1", CLIENT)
    );
    assert!(!principal.is_machine());

    let mut expired = access_claims(&issuer);
    expired["exp"] = json!(now() - 3600);
    let mut wrong_issuer = access_claims(&issuer);
    wrong_issuer["iss"] =
        json!("https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Other");
    let mut wrong_client = access_claims(&issuer);
    wrong_client["client_id"] = json!("someone-elses-client");
    let unknown = Key::new("key-unknown");
    let valid = key.sign(&access_claims(&issuer));
    let parts: Vec<&str> = valid.split('.').collect();
    let mut forged_claims = access_claims(&issuer);
    forged_claims["sub"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], b64(&forged_claims), parts[2]);
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT", "kid": "key-1"})),
        b64(&access_claims(&issuer))
    );
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some("key-1".into());
    let hs256 = encode(
        &hs_header,
        &access_claims(&issuer),
        &EncodingKey::from_secret(key.public_pem().as_bytes()),
    )
    .expect("sign");

    let cases: Vec<(&str, String, Expect)> = vec![
        (
            "expired",
            key.sign(&expired),
            |e| matches!(e, TokenError::Invalid(m) if m.contains("expired")),
        ),
        (
            "wrong issuer",
            key.sign(&wrong_issuer),
            |e| matches!(e, TokenError::Invalid(m) if m.contains("issuer")),
        ),
        ("wrong audience", key.sign(&wrong_client), |e| {
            matches!(e, TokenError::Client(_))
        }),
        ("unknown kid", unknown.sign(&access_claims(&issuer)), |e| {
            e.to_string()
                .contains("no signing key with id 'key-unknown'")
        }),
        (
            "tampered signature",
            tampered,
            |e| matches!(e, TokenError::Invalid(m) if m.contains("signature")),
        ),
        (
            "alg none",
            none,
            |e| matches!(e, TokenError::Algorithm(a) if a == "none"),
        ),
        ("HS256 with the public key", hs256, |e| {
            matches!(e, TokenError::Algorithm(_))
        }),
    ];
    for (case, token, expected) in cases {
        let error = verifier.verify(&token).await.expect_err(case);
        assert!(expected(&error), "{case}: {error}");
    }
}

/// A token signed by a key the cache does not hold makes the verifier fetch the set again (rotation).
#[tokio::test]
async fn rotated_keys_are_fetched_on_an_unknown_kid() {
    let old = Key::new("old");
    let server = JwksServer::start(vec![old.jwk()]).await;
    let verifier = verifier(&server);
    let issuer = server.issuer();
    verifier
        .verify(&old.sign(&access_claims(&issuer)))
        .await
        .expect("old key");
    verifier
        .verify(&old.sign(&access_claims(&issuer)))
        .await
        .expect("cached");
    assert_eq!(
        server.fetches.load(Ordering::SeqCst),
        1,
        "the second token used the cache"
    );
    let new = Key::new("new");
    server.keys.write().expect("keys").push(new.jwk());
    verifier
        .verify(&new.sign(&access_claims(&issuer)))
        .await
        .expect("new key after refresh");
    assert_eq!(server.fetches.load(Ordering::SeqCst), 2);
}

/// Id tokens are checked against `aud`; other `token_use` values are refused; a small clock skew is tolerated.
#[tokio::test]
async fn token_use_and_leeway() {
    let key = Key::new("k");
    let server = JwksServer::start(vec![key.jwk()]).await;
    let verifier = verifier(&server);
    let issuer = server.issuer();
    let id = json!({"sub": "user-1", "token_use": "id", "aud": CLIENT, "iss": issuer, "exp": now() + 60});
    assert_eq!(
        verifier
            .verify(&key.sign(&id))
            .await
            .expect("id token")
            .client_id,
        CLIENT
    );
    let refresh = json!({"sub": "user-1", "token_use": "refresh", "client_id": CLIENT, "iss": issuer, "exp": now() + 60});
    assert!(matches!(
        verifier.verify(&key.sign(&refresh)).await,
        Err(TokenError::TokenUse(_))
    ));
    let mut skewed = access_claims(&issuer);
    skewed["exp"] = json!(now() - 10);
    verifier
        .verify(&key.sign(&skewed))
        .await
        .expect("within the leeway");
}

async fn protected(
    Authorized(principal, _): Authorized<need::SubmitBacktests>,
) -> Result<String, tradai_service_kit::ApiError> {
    Ok(principal.subject)
}

/// Through axum: no token is AUTH001, a bad one AUTH002, a caller without the permission AUTH003 (403) naming
/// it: a machine without its scope, a person without a role that grants it.
#[tokio::test]
async fn the_extractor_answers_with_the_error_body() {
    let key = Key::new("k");
    let server = JwksServer::start(vec![key.jwk()]).await;
    let issuer = server.issuer();
    let app = axum::Router::new()
        .route("/api/v1/backtests", axum::routing::post(protected))
        .with_state(Arc::new(verifier(&server)));
    let call = |token: Option<String>| {
        let app = app.clone();
        async move {
            let mut request = Request::post("/api/v1/backtests");
            if let Some(token) = token {
                request = request.header("Authorization", format!("Bearer {token}"));
            }
            let response = app
                .oneshot(request.body(Body::empty()).expect("request"))
                .await
                .expect("response");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
                .await
                .expect("body");
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = call(None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("AUTH001"))
    );
    let (status, body) = call(Some("not-a-jwt".into())).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("AUTH002"))
    );
    let (status, body) = call(Some(key.sign(&machine_claims(&issuer, "tradai-api/read")))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("AUTH003"))
    );
    assert_eq!(body["details"]["required_permission"], "backtests.submit");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("scope tradai-api/backtests.submit")),
        "{body}"
    );
    let (status, _) = call(Some(
        key.sign(&machine_claims(&issuer, "tradai-api/backtests.submit")),
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(Some(key.sign(&access_claims(&issuer)))).await;
    assert_eq!(status, StatusCode::OK, "an administrator may");
    for (groups, allowed) in [
        (&["trader"][..], true),
        (&["viewer"][..], false),
        (&[][..], false),
        (&["viewer", "trader"][..], true),
        (&["administrators"][..], false),
    ] {
        let (status, body) = call(Some(key.sign(&role_claims(&issuer, groups)))).await;
        assert_eq!(status == StatusCode::OK, allowed, "{groups:?}: {body}");
        if !allowed {
            assert_eq!(body["details"]["your_roles"], json!(groups));
            assert!(
                body["message"].as_str().is_some_and(|m| m.contains("role")),
                "{body}"
            );
        }
    }
}

/// Keys that cannot be fetched are the identity provider's outage (503), not the caller's fault, and no answer
/// names the internal URL of the keys.
#[tokio::test]
async fn unreachable_keys_are_a_503_that_names_no_url() {
    let key = Key::new("k");
    let verifier = Verifier::new(
        "https://issuer.example",
        "http://10.9.8.7:1/jwks.json",
        vec![CLIENT.into()],
        std::time::Duration::ZERO,
        Roles::default(),
    );
    let app = axum::Router::new()
        .route("/api/v1/backtests", axum::routing::post(protected))
        .with_state(Arc::new(verifier));
    let mut claims = access_claims("https://issuer.example");
    claims["iss"] = json!("https://issuer.example");
    let response = app
        .oneshot(
            Request::post("/api/v1/backtests")
                .header("Authorization", format!("Bearer {}", key.sign(&claims)))
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .expect("body");
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("10.9.8.7"), "{text}");
}
