//! S3 object store.

use std::sync::Arc;

use tradai_aws::S3ObjectStore;
use tradai_domain::resilience::ResiliencePolicy;
use tradai_test_support::{contracts, emulator};

/// Object round trip with content type and metadata, listing and deletion in the results bucket.
#[tokio::test]
async fn object_store_on_s3() {
    let (config, clients, _) = emulator::provisioned().await;
    let store = S3ObjectStore::new(
        clients.s3.clone(),
        &config,
        "results",
        Arc::new(ResiliencePolicy::aws("s3")),
    )
    .expect("bucket in config");
    contracts::object_store(&store).await;
    emulator::assert_declared(&clients, S3ObjectStore::ACCESS);
}

/// Racing syncs of one month into the market-data bucket keep every candle: S3's conditional puts (`If-Match`,
/// `If-None-Match`) refuse a stale replace, and the store merges again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_market_writers_on_s3() {
    contracts::concurrent_market_writers(market_on_s3().await).await;
}

/// The market store over the provisioned market-data bucket (`arcticdb`).
async fn market_on_s3() -> Arc<tradai_market::ParquetStore> {
    let (config, clients, _) = emulator::provisioned().await;
    let store = S3ObjectStore::new(
        clients.s3.clone(),
        &config,
        "arcticdb",
        Arc::new(ResiliencePolicy::aws("s3")),
    )
    .expect("bucket in config");
    Arc::new(tradai_market::ParquetStore::new(Arc::new(store)))
}

/// A perpetual's funding history in the market-data bucket on S3: the store's contract, racing writers of one
/// month included (conditional puts).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn funding_history_on_s3() {
    contracts::funding_history(market_on_s3().await).await;
}
