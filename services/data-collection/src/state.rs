//! The service's state: the market store, the candle source, the token verifier (from the platform's ports),
//! and one lock per series so two syncs of a series never write the same object at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::FromRef;
use tradai_domain::entities::{Symbol, Timeframe};
use tradai_domain::ports::{CandleSource, MarketStore};
use tradai_service_kit::auth::Verifier;

/// The lock held while one series syncs.
pub type SeriesLock = Arc<tokio::sync::Mutex<()>>;

/// One lock per series, so two syncs of the same series never merge into the same object at once.
#[derive(Debug, Default)]
pub struct SeriesLocks(Mutex<HashMap<(Symbol, Timeframe), SeriesLock>>);

impl SeriesLocks {
    /// The lock of one series.
    pub fn of(&self, symbol: &Symbol, timeframe: Timeframe) -> SeriesLock {
        let mut locks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        locks
            .entry((symbol.clone(), timeframe))
            .or_default()
            .clone()
    }
}

/// The service's dependencies.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn MarketStore>,
    pub source: Arc<dyn CandleSource>,
    pub verifier: Arc<Verifier>,
    pub locks: Arc<SeriesLocks>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("exchange", &self.source.exchange())
            .finish_non_exhaustive()
    }
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

impl AppState {
    /// State over `store` and `source`.
    pub fn new(
        store: Arc<dyn MarketStore>,
        source: Arc<dyn CandleSource>,
        verifier: Arc<Verifier>,
    ) -> Self {
        AppState {
            store,
            source,
            verifier,
            locks: Arc::new(SeriesLocks::default()),
        }
    }

    /// The service over the platform's market store and candle source.
    pub fn from_ports(ports: &tradai_platform::Ports, verifier: Arc<Verifier>) -> AppState {
        AppState::new(ports.market.clone(), ports.source.clone(), verifier)
    }
}
