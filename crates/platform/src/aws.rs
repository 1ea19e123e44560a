//! [`Ports::aws`]: every port on AWS adapters (the `aws` feature; the local platform builds without it).

use std::sync::Arc;

use tradai_aws::{
    Clients, CloudWatchLogs, DynamoRecordStore, DynamoTransactor, EcsTaskRunner, S3ObjectStore,
    SnsNotifier,
};
use tradai_config::Config;
use tradai_domain::entities::Record;
use tradai_domain::ports::{
    CandleSource, JobRepository, MarketStore, ModelRegistry, Notifier, ObjectStore, RecordStore,
};
use tradai_domain::resilience::ResiliencePolicy;
use tradai_domain::Result;

use crate::settings::AwsSettings;
use crate::Ports;

fn policy(service: &str) -> Arc<ResiliencePolicy> {
    Arc::new(ResiliencePolicy::aws(service))
}

/// The AWS adapters of one config over one set of clients.
#[derive(Debug, Clone, Copy)]
pub struct AwsPorts<'a> {
    pub config: &'a Config,
    pub clients: &'a Clients,
}

impl AwsPorts<'_> {
    /// The table of `R` (`tables.<R::TABLE>`).
    pub fn table<R: Record>(&self) -> Result<Arc<dyn RecordStore<R>>> {
        Ok(Arc::new(DynamoRecordStore::<R>::new(
            self.clients.dynamodb.clone(),
            self.config,
            policy("dynamodb"),
        )?))
    }

    /// The bucket `buckets.<key>`.
    pub fn bucket(&self, key: &str) -> Result<Arc<dyn ObjectStore>> {
        Ok(Arc::new(S3ObjectStore::new(
            self.clients.s3.clone(),
            self.config,
            key,
            policy("s3"),
        )?))
    }
}

/// Candles in Parquet in the market-data bucket.
#[cfg(feature = "aws")]
fn market(aws: &AwsPorts<'_>) -> Result<Arc<dyn MarketStore>> {
    Ok(Arc::new(tradai_market::ParquetStore::new(
        aws.bucket("arcticdb")?,
    )))
}

/// Where missing candles are fetched: Binance's public market data.
#[cfg(feature = "aws")]
fn source(settings: &AwsSettings) -> Result<Arc<dyn CandleSource>> {
    Ok(Arc::new(tradai_market::LazyBinance::new(
        &settings.binance_url,
        tradai_market::Settings::default(),
    )?))
}

#[cfg(not(feature = "aws"))]
fn market(_: &AwsPorts<'_>) -> Result<Arc<dyn MarketStore>> {
    Ok(Arc::new(tradai_domain::ports::NoMarketData))
}

#[cfg(not(feature = "aws"))]
fn source(_: &AwsSettings) -> Result<Arc<dyn CandleSource>> {
    Ok(Arc::new(tradai_domain::ports::NoMarketData))
}

impl Ports {
    /// Every port on AWS adapters over `clients` (the account of the credentials, or an emulator). No AWS call
    /// is made here: each adapter calls only when used, so a binary needs permissions only for what it uses.
    pub fn aws(config: &Config, clients: &Clients, settings: &AwsSettings) -> Result<Ports> {
        let aws = AwsPorts { config, clients };
        let registry: Arc<dyn ModelRegistry> = match &settings.mlflow_uri {
            Some(uri) => Arc::new(tradai_mlflow::MlflowRegistry::new(
                uri,
                settings
                    .mlflow_credentials
                    .clone()
                    .map(|(username, password)| tradai_mlflow::Credentials { username, password }),
            )?),
            // Not an empty in-memory registry: a deployment without MLflow says so on use.
            None => Arc::new(tradai_domain::ports::NoRegistry),
        };
        let notifier: Arc<dyn Notifier> = match &settings.alerts_topic_arn {
            Some(arn) => Arc::new(SnsNotifier::new(
                clients.sns.clone(),
                arn.clone(),
                policy("sns"),
            )),
            None => Arc::new(tradai_memory::MemoryNotifier::new()),
        };
        Ok(Ports {
            jobs: JobRepository::new(aws.table()?),
            idempotency: aws.table()?,
            transactions: Arc::new(DynamoTransactor::new(
                clients.dynamodb.clone(),
                config,
                policy("dynamodb"),
            )),
            config_versions: aws.table()?,
            notifications: aws.table()?,
            retraining: aws.table()?,
            rollbacks: aws.table()?,
            health: aws.table()?,
            sessions: aws.table()?,
            infra_drift: aws.table()?,
            drift: aws.table()?,
            results: aws.bucket("results")?,
            configs: aws.bucket("configs")?,
            market: market(&aws)?,
            source: source(settings)?,
            registry,
            tasks: Arc::new(EcsTaskRunner::new(
                clients.ecs.clone(),
                config,
                settings.task_network.clone(),
                policy("ecs"),
            )),
            logs: Arc::new(CloudWatchLogs::new(clients.logs.clone(), policy("logs"))),
            notifier,
            description: "AWS adapters".into(),
        })
    }
}
