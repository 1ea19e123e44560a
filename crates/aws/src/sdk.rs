//! SDK configuration and clients, built once and shared.

use aws_config::{BehaviorVersion, ConfigLoader, Region, SdkConfig};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

use crate::calls::CallLog;

/// Where AWS calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// The real AWS endpoints of the region, with the default credential chain.
    Aws { region: String },
    /// An emulator at `url` (moto, LocalStack), with static credentials (the access key `AWS_ACCESS_KEY_ID`, else
    /// `test`).
    Emulator { region: String, url: String },
}

impl Endpoint {
    /// The emulator at `AWS_ENDPOINT_URL` when that is set, else AWS itself, in `region`.
    pub fn from_env(region: String) -> Self {
        match std::env::var("AWS_ENDPOINT_URL") {
            Ok(url) if !url.is_empty() => Endpoint::Emulator { region, url },
            _ => Endpoint::Aws { region },
        }
    }
}

/// One client per service, sharing one `SdkConfig`.
#[derive(Debug, Clone)]
pub struct Clients {
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
    pub sfn: aws_sdk_sfn::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub sts: aws_sdk_sts::Client,
    /// The shared configuration, for clients of services only some binaries use (EC2, Auto Scaling): build
    /// them with [`client!`](crate::client).
    pub sdk: SdkConfig,
    /// Where every client records its calls (the emulator tests' [`CallLog`]).
    pub calls: Option<CallLog>,
}

/// A client of SDK crate `$krate` over `clients` (its `sdk` configuration and its call log), e.g.
/// `client!(aws_sdk_ec2, clients)`.
#[macro_export]
macro_rules! client {
    ($krate:ident, $clients:expr) => {{
        let clients: &$crate::Clients = $clients;
        $krate::Client::from_conf($crate::client!(@config $krate, &clients.sdk, &clients.calls).build())
    }};
    (@config $krate:ident, $sdk:expr, $calls:expr) => {{
        let mut builder = $krate::config::Builder::from($sdk);
        if let Some(calls) = $calls {
            builder.push_interceptor($krate::config::SharedInterceptor::new(calls.clone()));
        }
        builder
    }};
}

impl Clients {
    /// Load the SDK configuration for `endpoint` and build the clients.
    pub async fn connect(endpoint: &Endpoint) -> Self {
        Self::build(endpoint, None).await
    }

    /// [`connect`](Self::connect), every call recorded in `calls`.
    pub async fn connect_recorded(endpoint: &Endpoint, calls: &CallLog) -> Self {
        Self::build(endpoint, Some(calls.clone())).await
    }

    async fn build(endpoint: &Endpoint, calls: Option<CallLog>) -> Self {
        let sdk = sdk_config(endpoint).await;
        let emulated = matches!(endpoint, Endpoint::Emulator { .. });
        macro_rules! of {
            ($krate:ident) => {
                $krate::Client::from_conf(crate::client!(@config $krate, &sdk, &calls).build())
            };
        }
        let s3 = crate::client!(@config aws_sdk_s3, &sdk, &calls)
            .force_path_style(emulated)
            .build();
        Clients {
            logs: of!(aws_sdk_cloudwatchlogs),
            dynamodb: of!(aws_sdk_dynamodb),
            s3: aws_sdk_s3::Client::from_conf(s3),
            sqs: of!(aws_sdk_sqs),
            sns: of!(aws_sdk_sns),
            sfn: of!(aws_sdk_sfn),
            ecs: of!(aws_sdk_ecs),
            sts: of!(aws_sdk_sts),
            sdk,
            calls,
        }
    }
}

/// The SDK's configuration loader with the platform's HTTPS client: rustls on ring (the crypto reqwest uses, so
/// a binary links one crypto library) trusting the system's roots (`SSL_CERT_FILE` when set). Every SDK
/// configuration starts here: the SDK crates are built without a default client, so one made elsewhere has
/// none and fails its first call.
pub fn loader() -> ConfigLoader {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest()).http_client(https)
}

async fn sdk_config(endpoint: &Endpoint) -> SdkConfig {
    let loader = loader();
    match endpoint {
        Endpoint::Aws { region } => loader.region(Region::new(region.clone())).load().await,
        Endpoint::Emulator { region, url } => {
            // Static credentials; the access key is the process's `AWS_ACCESS_KEY_ID` when set, since it names
            // the caller to an emulator (the twin's AWS front reads it as the caller's planned role).
            let key = std::env::var("AWS_ACCESS_KEY_ID")
                .ok()
                .filter(|k| !k.trim().is_empty())
                .unwrap_or_else(|| "test".to_owned());
            let credentials =
                aws_sdk_sts::config::Credentials::new(key, "test", None, None, "tradai-emulator");
            loader
                .region(Region::new(region.clone()))
                .endpoint_url(url)
                .credentials_provider(credentials)
                .load()
                .await
        }
    }
}
