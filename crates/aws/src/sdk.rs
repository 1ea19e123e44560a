//! SDK configuration and clients, built once and shared.

use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Where AWS calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// The real AWS endpoints of the region, with the default credential chain.
    Aws { region: String },
    /// An emulator at `url` (moto, LocalStack), with static test credentials.
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
    /// The shared configuration, for clients of services only some binaries use (EC2, Auto Scaling).
    pub sdk: SdkConfig,
}

impl Clients {
    /// Load the SDK configuration for `endpoint` and build the clients.
    pub async fn connect(endpoint: &Endpoint) -> Self {
        let sdk = sdk_config(endpoint).await;
        let emulated = matches!(endpoint, Endpoint::Emulator { .. });
        let s3 = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(emulated)
            .build();
        Clients {
            logs: aws_sdk_cloudwatchlogs::Client::new(&sdk),
            dynamodb: aws_sdk_dynamodb::Client::new(&sdk),
            s3: aws_sdk_s3::Client::from_conf(s3),
            sqs: aws_sdk_sqs::Client::new(&sdk),
            sns: aws_sdk_sns::Client::new(&sdk),
            sfn: aws_sdk_sfn::Client::new(&sdk),
            ecs: aws_sdk_ecs::Client::new(&sdk),
            sts: aws_sdk_sts::Client::new(&sdk),
            sdk,
        }
    }
}

async fn sdk_config(endpoint: &Endpoint) -> SdkConfig {
    let loader = aws_config::defaults(BehaviorVersion::latest());
    match endpoint {
        Endpoint::Aws { region } => loader.region(Region::new(region.clone())).load().await,
        Endpoint::Emulator { region, url } => {
            let credentials = aws_sdk_sts::config::Credentials::new(
                "test",
                "test",
                None,
                None,
                "tradai-emulator",
            );
            loader
                .region(Region::new(region.clone()))
                .endpoint_url(url)
                .credentials_provider(credentials)
                .load()
                .await
        }
    }
}
