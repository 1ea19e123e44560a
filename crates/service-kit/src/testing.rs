//! For tests of services (feature `testing`): RSA keys made in the test, a JWKS server on loopback whose key set
//! can change, and token minting. Never used by a running service.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};

pub const ISSUER_PATH: &str = "/eu-central-1_TestPool";
pub const CLIENT: &str = "public-client";
pub const MACHINE: &str = "m2m-client";

/// A signing key with its id.
#[derive(Debug)]
pub struct Key {
    pub kid: String,
    pub private: RsaPrivateKey,
}

impl Key {
    pub fn new(kid: &str) -> Self {
        let mut rng = rand::thread_rng();
        Key {
            kid: kid.to_owned(),
            private: RsaPrivateKey::new(&mut rng, 2048).expect("key"),
        }
    }

    pub fn jwk(&self) -> Value {
        let b64 = |bytes: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let public = self.private.to_public_key();
        json!({"kid": self.kid, "kty": "RSA", "alg": "RS256", "use": "sig",
               "n": b64(public.n().to_bytes_be()), "e": b64(public.e().to_bytes_be())})
    }

    pub fn public_pem(&self) -> String {
        self.private
            .to_public_key()
            .to_pkcs1_pem(LineEnding::LF)
            .expect("pem")
    }

    /// An RS256 token with `claims`.
    pub fn sign(&self, claims: &Value) -> String {
        let der = self.private.to_pkcs1_der().expect("der");
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        encode(&header, claims, &EncodingKey::from_rsa_der(der.as_bytes())).expect("sign")
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// A user's access token from `issuer`, valid for an hour.
pub fn access_claims(issuer: &str) -> Value {
    json!({"sub": "user-1", "username": "alice", "token_use": "access", "client_id": CLIENT,
           "scope": "openid email", "iss": issuer, "exp": now() + 3600, "iat": now()})
}

/// A machine's (client-credentials) access token with `scope`.
pub fn machine_claims(issuer: &str, scope: &str) -> Value {
    json!({"sub": MACHINE, "token_use": "access", "client_id": MACHINE, "scope": scope,
           "iss": issuer, "exp": now() + 3600, "iat": now()})
}

/// A JWKS endpoint on loopback whose key set the test can change; counts fetches.
#[derive(Debug)]
pub struct JwksServer {
    pub base: String,
    pub keys: Arc<RwLock<Vec<Value>>>,
    pub fetches: Arc<AtomicUsize>,
}

impl JwksServer {
    pub async fn start(keys: Vec<Value>) -> Self {
        let keys = Arc::new(RwLock::new(keys));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (k, f) = (keys.clone(), fetches.clone());
        let app = axum::Router::new().route(
            &format!("{ISSUER_PATH}/.well-known/jwks.json"),
            axum::routing::get(move || {
                let (k, f) = (k.clone(), f.clone());
                async move {
                    f.fetch_add(1, Ordering::SeqCst);
                    let keys = k.read().expect("keys").clone();
                    axum::Json(json!({ "keys": keys }))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        JwksServer {
            base,
            keys,
            fetches,
        }
    }

    /// A verifier trusting this server's keys for the two test clients, refetching on every unknown key.
    pub fn verifier(&self) -> crate::auth::Verifier {
        crate::auth::Verifier::new(
            &self.issuer(),
            &self.jwks_url(),
            vec![CLIENT.into(), MACHINE.into()],
            std::time::Duration::ZERO,
        )
    }

    pub fn issuer(&self) -> String {
        format!("{}{ISSUER_PATH}", self.base)
    }

    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.issuer())
    }
}

/// An answer of a router under test: status, headers, JSON body (`null` when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: axum::http::StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

/// Call `router` with `method path`, an optional bearer `token`, extra `headers` and an optional JSON `body`.
pub async fn call(
    router: &axum::Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    use tower::ServiceExt as _;
    let mut request = axum::http::Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = match body {
        Some(json) => {
            request = request.header("Content-Type", "application/json");
            axum::body::Body::from(json.to_string())
        }
        None => axum::body::Body::empty(),
    };
    let response = router
        .clone()
        .oneshot(request.body(body).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .expect("body");
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}
