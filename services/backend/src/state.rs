//! What the handlers share: the ports and the verifier.

use std::sync::Arc;

use axum::extract::FromRef;
use tradai_domain::entities::{ConfigVersion, IdempotencyRecord};
use tradai_domain::ports::{JobRepository, ObjectStore, RecordStore};
use tradai_service_kit::auth::Verifier;

use crate::executor::Executor;

/// The backend's dependencies.
#[derive(Clone)]
pub struct AppState {
    pub jobs: JobRepository,
    pub idempotency: Arc<dyn RecordStore<IdempotencyRecord>>,
    pub configs: Arc<dyn RecordStore<ConfigVersion>>,
    /// The results bucket.
    pub results: Arc<dyn ObjectStore>,
    pub executor: Arc<dyn Executor>,
    pub verifier: Arc<Verifier>,
    /// `backend` and the crate version, for health.
    pub service: &'static str,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("executor", &self.executor.name())
            .finish_non_exhaustive()
    }
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}
