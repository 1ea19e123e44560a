//! The data-collection routes: on the embedded default (recorded pages, in-memory bucket), every error with
//! its code, and on the AWS path (the real Binance adapter against the replay server, Parquet objects in the
//! emulator's market-data bucket).

mod emulator;
mod health_check;
mod routes;

use std::sync::Arc;

use axum::Router;
use serde_json::Value;
use tradai_data_collection::{router, AppState};
use tradai_service_kit::http::HttpOptions;
use tradai_service_kit::testing::{access_claims, call, Answer, JwksServer, Key};

struct Service {
    app: Router,
    token: String,
    key: Key,
    issuer: String,
    _jwks: JwksServer,
}

impl Service {
    /// The service over the state `make` builds with the test's verifier.
    async fn start(
        make: impl FnOnce(Arc<tradai_service_kit::auth::Verifier>) -> AppState,
    ) -> Service {
        let key = Key::new("k");
        let jwks = JwksServer::start(vec![key.jwk()]).await;
        let state = make(Arc::new(jwks.verifier()));
        Service {
            app: router(state, &HttpOptions::default()),
            token: key.sign(&access_claims(&jwks.issuer())),
            issuer: jwks.issuer(),
            key,
            _jwks: jwks,
        }
    }

    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        call(&self.app, method, path, Some(&self.token), &[], body).await
    }
}
