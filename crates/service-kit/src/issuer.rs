//! A token issuer on loopback (feature `issuer`): an RSA key made at start, its JWKS served on 127.0.0.1, and
//! tokens signed with it. `tradai local up` uses it so the local services verify real tokens (auth is never
//! switched off); tests use it through the `testing` feature. Never used by a deployed service, which trusts
//! Cognito.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};

/// Path of the issuer on its server (shaped like a Cognito pool).
pub const ISSUER_PATH: &str = "/eu-central-1_LocalPool";
/// The app client of people's tokens.
pub const CLIENT: &str = "public-client";
/// The app client of machine tokens.
pub const MACHINE: &str = "m2m-client";

/// A signing key with its id.
#[derive(Debug, Clone)]
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

    /// The key of a private JWK (`kid`, `n`, `e`, `d`; the primes are recovered when absent), e.g. the one
    /// an emulator signs its Cognito tokens with.
    pub fn from_private_jwk(jwk: &Value) -> Result<Self, String> {
        let part = |name: &str| -> Result<rsa::BigUint, String> {
            let text = jwk[name]
                .as_str()
                .ok_or_else(|| format!("the JWK has no `{name}`"))?;
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(text.trim_end_matches('='))
                .map_err(|e| format!("the JWK's `{name}` is not base64url: {e}"))?;
            Ok(rsa::BigUint::from_bytes_be(&bytes))
        };
        let private =
            RsaPrivateKey::from_components(part("n")?, part("e")?, part("d")?, Vec::new())
                .map_err(|e| format!("the JWK is not an RSA private key: {e}"))?;
        Ok(Key {
            kid: jwk["kid"].as_str().unwrap_or_default().to_owned(),
            private,
        })
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

    /// A verifier trusting this server's keys for the two test clients, refetching on every unknown key, with
    /// the roles of the embedded config.
    pub fn verifier(&self) -> crate::auth::Verifier {
        let config = tradai_config::Loader::embedded()
            .without_env_vars()
            .load(tradai_config::Environment::Dev)
            .expect("the embedded config is valid");
        self.verifier_for(&config)
    }

    /// A verifier trusting this server's keys for the two test clients, with the roles of `config`.
    pub fn verifier_for(&self, config: &tradai_config::Config) -> crate::auth::Verifier {
        crate::auth::Verifier::new(
            &self.issuer(),
            &self.jwks_url(),
            vec![CLIENT.into(), MACHINE.into()],
            std::time::Duration::ZERO,
            crate::auth::Roles::of(&config.settings().cognito),
        )
    }

    pub fn issuer(&self) -> String {
        format!("{}{ISSUER_PATH}", self.base)
    }

    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.issuer())
    }
}

/// The local platform's issuer: one key, its JWKS server, and a developer's token.
#[derive(Debug)]
pub struct LocalIssuer {
    pub key: Key,
    pub server: JwksServer,
}

impl LocalIssuer {
    /// A fresh key and its JWKS on a free loopback port.
    pub async fn start() -> Self {
        let key = Key::new("local");
        let server = JwksServer::start(vec![key.jwk()]).await;
        LocalIssuer { key, server }
    }

    /// An access token of a developer in the group (role) `role`, valid for `hours`.
    pub fn developer_token(&self, hours: u64, role: &str) -> String {
        self.key.sign(&json!({
            "sub": "local-developer", "username": "developer", "token_use": "access", "client_id": CLIENT,
            "cognito:groups": [role], "scope": "openid email profile", "iss": self.server.issuer(),
            "exp": now() + hours * 3600, "iat": now(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use rsa::traits::PrivateKeyParts;

    use super::*;

    #[test]
    fn a_private_jwk_without_primes_signs_as_its_key() {
        let key = Key::new("k1");
        let b64 = |bytes: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let mut jwk = key.jwk();
        jwk["d"] = json!(b64(key.private.d().to_bytes_be()));
        let read = Key::from_private_jwk(&jwk).expect("a key");
        assert_eq!(read.jwk(), key.jwk());
        assert_eq!(read.sign(&json!({"a": 1})), key.sign(&json!({"a": 1})));
        jwk["d"] = json!("AQAB");
        assert!(Key::from_private_jwk(&jwk).is_err());
        assert!(Key::from_private_jwk(&json!({"kid": "x"}))
            .expect_err("no n")
            .contains("`n`"));
    }
}
