//! `tradai local up`: the backend, the strategy service and the data-collection service in this process, on
//! in-memory adapters (or, with `--aws-endpoint URL`, AWS adapters on an emulator, after creating there what the stacks plan) (data collection syncs from recorded Binance pages), with a local token issuer whose keys
//! they trust (auth is never switched off). Submitted backtests run in-process (the local executor) on the
//! strategy service's configs and the synced candles, and their runs appear in the model registry. Ctrl-C or SIGTERM stops them all, letting in-flight requests
//! finish.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tradai_config::{ConfigDir, Environment, Loader};
use tradai_service_kit::http::HttpOptions;
use tradai_service_kit::issuer::LocalIssuer;

use crate::args::{LocalCommand, UpArgs};

/// Run one `local` subcommand.
pub fn run(command: LocalCommand, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    match command {
        LocalCommand::Up(args) => up(args, dir),
    }
}

async fn bind(host: &str, name: &str, port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind((host, port)).await.with_context(|| {
        format!("{name}: cannot listen on {host}:{port} (in use? pick another with --{name}-port)")
    })
}

fn up(args: UpArgs, dir: ConfigDir) -> anyhow::Result<ExitCode> {
    let config = Loader::new(dir.clone()).load(Environment::Dev)?;
    let groups = &config.settings().cognito.groups;
    if !groups.contains_key(&args.role) {
        anyhow::bail!(
            "--role: '{}' is not a role of the config; allowed: {}",
            args.role,
            groups.keys().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    let port = |key: &str, flag: Option<u16>| {
        flag.or_else(|| config.settings().services.get(key)?.port)
            .unwrap_or(0)
    };
    let (backend_port, strategy_port, data_port) = (
        port("backend-api", args.backend_port),
        port("strategy-service", args.strategy_port),
        port("data-collection", args.data_port),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async move {
        let issuer = LocalIssuer::start().await;
        let verifier = Arc::new(issuer.server.verifier_for(&config));

        let states =
            super::local_states::build(&config, &dir, args.aws_endpoint.as_deref(), verifier).await?;
        let (mut backend, strategy, data) = (states.backend, states.strategy, states.data);
        let strategy_listener = bind(&args.host, "strategy", strategy_port).await?;
        let strategy_url = format!("http://{}", strategy_listener.local_addr()?);
        let data_listener = bind(&args.host, "data", data_port).await?;
        let data_url = format!("http://{}", data_listener.local_addr()?);
        backend.strategy_service = tradai_backend::StrategyService::new(&strategy_url);
        let backend_listener = bind(&args.host, "backend", backend_port).await?;
        let backend_url = format!("http://{}", backend_listener.local_addr()?);

        println!("TradAI local platform: dev config, {}", states.adapters);
        println!("  backend           {backend_url}   (API docs: {backend_url}/docs)");
        println!("  strategy-service  {strategy_url}   (sample strategy: sma-crossover)");
        println!("  data-collection   {data_url}   (recorded Binance pages: BTC and ETH 1h, 2024-01-01..2024-04-01)");
        println!("  backtests run the backtest workflow in this process (local executor); EnsureData syncs their candles");
        println!(
            "token (role {}, {} h): {}",
            args.role,
            args.token_hours,
            issuer.developer_token(args.token_hours, &args.role)
        );
        println!("e.g. curl -H \"Authorization: Bearer <token>\" {backend_url}/api/v1/strategies");
        println!("Ctrl-C stops everything.");

        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            tradai_service_kit::shutdown_signal().await;
            let _ = stop.send(true);
        });
        let until = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.changed().await;
        };
        let options = HttpOptions::default();
        tokio::try_join!(
            tradai_service_kit::serve_until(backend_listener, tradai_backend::router(backend, &options), until(stopped.clone())),
            tradai_service_kit::serve_until(strategy_listener, tradai_strategy::router(strategy, &options), until(stopped.clone())),
            tradai_service_kit::serve_until(data_listener, tradai_data_collection::router(data, &options), until(stopped)),
        )?;
        println!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}
