//! Command-line arguments.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::{Args, Parser, Subcommand, ValueEnum};
use tradai_config::{ConfigDir, Environment};

/// TradAI-rs: the trading platform's infrastructure and services from one typed config.
#[derive(Debug, Parser)]
#[command(name = "tradai", version, about)]
pub struct Cli {
    /// Directory holding base.toml and <env>.toml [default: config/environments of the enclosing workspace,
    /// else the copy built into this binary].
    #[arg(long, global = true, env = "TRADAI_CONFIG_DIR", value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect, validate and promote the canonical config.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Run the platform on this machine.
    #[command(subcommand)]
    Local(LocalCommand),
    /// Inspect the infrastructure the stacks define.
    #[command(subcommand)]
    Infra(InfraCommand),
    /// Submit, follow, list and cancel backtests through the backend API.
    #[command(subcommand)]
    Backtest(BacktestCommand),
    /// Start, follow, list and cancel hyperopt sweeps, and read their best parameters, through the API.
    #[command(subcommand)]
    Hyperopt(HyperoptCommand),
    /// Sign in with Cognito (or store a token) for the API commands.
    Login(LoginArgs),
    /// Deploy the stacks of an environment with the Pulumi CLI, layer by layer.
    Deploy(DeployArgs),
    /// The deployment twin: what the stacks plan, created on an AWS emulator.
    #[command(subcommand)]
    Twin(TwinCommand),
}

#[derive(Debug, Subcommand)]
pub enum TwinCommand {
    /// Create the planned graph's data plane (buckets, tables, queues, topics, secrets, log groups, state
    /// machines) on the emulator at --aws-endpoint, with the graph's own inputs.
    Provision(TwinProvisionArgs),
    /// Run the planned graph: its data plane on the emulator (moto, started when no --aws-endpoint is given)
    /// and each always-on ECS service as a process of its binary with its task definition's command,
    /// environment and secrets, the Cloud Map names resolving to loopback addresses. Until Ctrl-C.
    Up(TwinUpArgs),
    /// Fire one planned EventBridge schedule of a running twin now (its targets invoked with the scheduled
    /// event); prints each target's outcome, exit 1 when one failed.
    Fire(TwinFireArgs),
}

#[derive(Debug, Args)]
pub struct TwinFireArgs {
    /// The planned rule's name, e.g. tradai-health-check-dev-trigger-0, or with `--alarm` the planned alarm's,
    /// e.g. tradai-dev-drift-significant (`tradai infra plan` lists them).
    pub rule: String,
    /// Fire the planned alarm of that name (OK → ALARM: its planned actions run) instead of a schedule.
    #[arg(long)]
    pub alarm: bool,
    /// The control URL `twin up` printed.
    #[arg(long, env = "TRADAI_TWIN", value_name = "URL")]
    pub twin: String,
}

#[derive(Debug, Args)]
pub struct TwinUpArgs {
    /// Environment whose graph is planned (dev, staging or prod).
    #[arg(long, default_value = "dev")]
    pub env: String,
    /// A running emulator (moto server, LocalStack) [default: a moto server the twin starts].
    #[arg(long, value_name = "URL")]
    pub aws_endpoint: Option<String>,
    /// Directory for the services' output [default: a new one under the system's temporary directory].
    #[arg(long, value_name = "DIR")]
    pub logs: Option<PathBuf>,
    /// What a call the caller's planned role does not allow gets: `enforce` refuses it as AWS does; `report`
    /// lets it through and records it (`GET /iam` on the control endpoint), to list every missing permission
    /// of a run at once.
    #[arg(long, value_enum, default_value = "enforce")]
    pub iam: IamMode,
}

/// How the twin holds calls to the planned policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IamMode {
    Enforce,
    Report,
}

#[derive(Debug, Args)]
pub struct TwinProvisionArgs {
    /// Environment whose graph is planned (dev, staging or prod).
    #[arg(long, default_value = "dev")]
    pub env: String,
    /// The emulator (moto server, LocalStack).
    #[arg(long, value_name = "URL")]
    pub aws_endpoint: String,
}

/// Where the API is and who calls it.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The backend's base URL.
    #[arg(
        long,
        env = "TRADAI_API_URL",
        default_value = "http://127.0.0.1:8000",
        global = true
    )]
    pub api_url: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table, global = true)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

/// `tradai backtest …`
#[derive(Debug, Subcommand)]
pub enum BacktestCommand {
    /// Submit a backtest from flags or a JSON file.
    Submit(SubmitArgs),
    /// Show one backtest.
    Status(JobArgs),
    /// List backtests, newest first.
    List(ListArgs),
    /// Cancel a pending or running backtest.
    Cancel(JobArgs),
    /// Follow a backtest to its end, showing status transitions and the final metrics.
    Watch(JobArgs),
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// A JSON request body (the API's BacktestRequest); flags given as well override its fields.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Strategy name (e.g. sma-crossover).
    #[arg(long)]
    pub strategy: Option<String>,
    /// First day traded, YYYY-MM-DD (included, from 00:00 UTC).
    #[arg(long)]
    pub start: Option<String>,
    /// The day the range ends, YYYY-MM-DD (excluded: the range stops at its 00:00 UTC). `--start 2024-01-01
    /// --end 2024-02-01` is January.
    #[arg(long)]
    pub end: Option<String>,
    /// Comma-separated symbols (BTC/USDT:USDT,ETH/USDT:USDT).
    #[arg(long, value_delimiter = ',')]
    pub symbols: Vec<String>,
    /// Candle timeframe (1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w).
    #[arg(long)]
    pub timeframe: Option<String>,
    /// Quote currency per trade.
    #[arg(long)]
    pub stake: Option<f64>,
    /// Stop loss as a negative fraction (-0.05).
    #[arg(long, allow_hyphen_values = true)]
    pub stoploss: Option<f64>,
    /// Follow the job to its end (as `watch`).
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this many seconds.
    #[arg(long, default_value_t = 3600)]
    pub timeout: u64,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// `tradai hyperopt …`
#[derive(Debug, Subcommand)]
pub enum HyperoptCommand {
    /// Start a sweep of a stored strategy over its search space (or `--space`).
    Submit(Box<SweepArgs>),
    /// Show one sweep: status, trials done, the best so far.
    Status(JobArgs),
    /// Follow a sweep to its end with a live progress display (trials, best objective, rate, time left).
    Watch(JobArgs),
    /// List sweeps, newest first.
    List(ListArgs),
    /// The best trial of a sweep: its objective and parameters.
    Best(JobArgs),
    /// Stop a running sweep; the trials that finished are kept.
    Cancel(JobArgs),
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// A JSON request body (the API's StartSweep); flags given as well override its fields.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Strategy name (e.g. sma-crossover).
    #[arg(long)]
    pub strategy: Option<String>,
    /// First day traded, YYYY-MM-DD (included).
    #[arg(long)]
    pub start: Option<String>,
    /// The day the range ends, YYYY-MM-DD (excluded).
    #[arg(long)]
    pub end: Option<String>,
    /// Trials to run (1 to 10000) [API default: 100].
    #[arg(long)]
    pub trials: Option<u32>,
    /// tpe, random or grid [API default: tpe].
    #[arg(long)]
    pub sampler: Option<String>,
    /// sharpe, sortino, profit_total or calmar [API default: sharpe].
    #[arg(long)]
    pub objective: Option<String>,
    /// The sampler's seed [API default: 0].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Walk-forward folds, pruned at the median between them (1 to 20).
    #[arg(long)]
    pub folds: Option<u32>,
    /// A trial with fewer trades is not a candidate for the best.
    #[arg(long)]
    pub min_trades: Option<u32>,
    /// A trial with a larger drawdown (a fraction, 0.3 = 30 %) is not a candidate for the best.
    #[arg(long)]
    pub max_drawdown: Option<f64>,
    /// A JSON file with the search space, replacing the strategy's own.
    #[arg(long, value_name = "FILE")]
    pub space: Option<PathBuf>,
    /// Follow the sweep to its end (as `watch`).
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this many seconds.
    #[arg(long, default_value_t = 3600)]
    pub timeout: u64,
    #[command(flatten)]
    pub api: ApiArgs,
}

#[derive(Debug, Args)]
pub struct JobArgs {
    /// The job id.
    pub job_id: String,
    /// Give up watching after this many seconds.
    #[arg(long, default_value_t = 3600)]
    pub timeout: u64,
    #[command(flatten)]
    pub api: ApiArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// PENDING, RUNNING, COMPLETED, FAILED or CANCELLED.
    #[arg(long)]
    pub status: Option<String>,
    /// 1 to 100.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[command(flatten)]
    pub api: ApiArgs,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Store this access token instead of signing in (e.g. the one `tradai local up` prints).
    #[arg(long, conflicts_with = "username")]
    pub token: Option<String>,
    /// Cognito user name (the e-mail address); the password is read from TRADAI_PASSWORD or standard input.
    #[arg(long)]
    pub username: Option<String>,
    /// The app client id of the user pool (the persistent layer's public client).
    #[arg(long, env = "TRADAI_COGNITO_CLIENT_ID")]
    pub client_id: Option<String>,
    /// The user pool id, `<region>_<name>` (the persistent layer's `user_pool_id`); the password proof is bound to it.
    #[arg(long, env = "TRADAI_COGNITO_USER_POOL_ID")]
    pub user_pool_id: Option<String>,
    /// The Cognito endpoint [default: https://cognito-idp.<region>.amazonaws.com, or AWS_ENDPOINT_URL].
    #[arg(long)]
    pub cognito_url: Option<String>,
    /// The environment whose region the user pool is in.
    #[arg(long, default_value = "dev")]
    pub env: String,
    /// A TOTP code, when the pool asks for one (MFA); read from standard input otherwise.
    #[arg(long)]
    pub mfa_code: Option<String>,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// dev, staging or prod.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// Layers to deploy, in any order (they run persistent → foundation → compute → edge) [default: all].
    #[arg(long, value_delimiter = ',', value_name = "LAYER")]
    pub stacks: Vec<String>,
    /// `pulumi preview` instead of `pulumi up`.
    #[arg(long)]
    pub preview: bool,
    /// Skip a layer whose preview shows no change.
    #[arg(long)]
    pub skip_unchanged: bool,
    /// The Pulumi CLI to run.
    #[arg(long, env = "TRADAI_PULUMI", default_value = "pulumi")]
    pub pulumi: String,
}

/// `tradai infra …`
#[derive(Debug, Subcommand)]
pub enum InfraCommand {
    /// Preview the resources of the stacks without credentials: the real stack programs run on a mock engine.
    Plan(PlanArgs),
    /// Run the policy checks (encryption, privacy, tags, IAM, log retention, IMDSv2, open ingress, RDS, DLQs) over
    /// the planned graphs of every layer; exit 1 on any violation.
    Check(CheckArgs),
    /// Summarise the deployed stacks' outputs (`pulumi stack output --json` per layer).
    Status(StatusArgs),
    /// Estimate the monthly cost of an environment from its planned graph, the config and the bundled price
    /// table (eu-central-1 list prices, dated in the table).
    Cost(CostArgs),
    /// List every environment variable each binary and each Lambda function reads (name, required, what is
    /// allowed, default), as JSON: what the stacks must set on each task and function.
    Variables(VariablesArgs),
    /// List the images the pipeline builds and pushes for an environment, one JSON object per line
    /// (repository, Dockerfile target, binary, platform): what `scripts/push-images` builds.
    Images(VariablesArgs),
}

/// `tradai infra variables`.
#[derive(Debug, Args)]
pub struct VariablesArgs {
    /// The environment whose config gives the defaults (dev, staging or prod).
    #[arg(long, default_value = "dev")]
    pub env: String,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// dev, staging or prod.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// The Pulumi CLI to run.
    #[arg(long, env = "TRADAI_PULUMI", default_value = "pulumi")]
    pub pulumi: String,
}

#[derive(Debug, Args)]
pub struct CostArgs {
    /// dev, staging or prod.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// A price table to use instead of the bundled one (same TOML layout).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// dev, staging or prod [default: all three].
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// dev, staging or prod.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// One layer (persistent, foundation, compute, edge) [default: all four].
    #[arg(long, value_name = "LAYER")]
    pub stack: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlanFormat {
    Table,
    Json,
}

/// `tradai config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check an environment (or all) against every rule; exit 1 on any problem.
    Validate(ValidateArgs),
    /// Print the fully resolved config of an environment, with every derived resource name.
    Show(ShowArgs),
    /// Key-by-key differences between two environments (files only, no TRADAI_* overrides).
    Diff(DiffArgs),
    /// Copy promotable values of FROM into TO's file; refuse any change to an immutable key.
    Promote(PromoteArgs),
}

/// `tradai local …`
#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Start the services locally on in-memory adapters, with a local token issuer; Ctrl-C stops them.
    Up(UpArgs),
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Port of the backend [default: services.backend-api.port of the dev config]; 0 picks a free one.
    #[arg(long)]
    pub backend_port: Option<u16>,
    /// Port of the strategy service [default: services.strategy-service.port]; 0 picks a free one.
    #[arg(long)]
    pub strategy_port: Option<u16>,
    /// Port of the data-collection service [default: services.data-collection.port]; 0 picks a free one.
    #[arg(long)]
    pub data_port: Option<u16>,
    /// Address to listen on (0.0.0.0 in a container).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Use AWS adapters against the emulator at this URL (LocalStack, moto) instead of in-memory ones; the
    /// dev config's tables, buckets, queues and topics are created there first.
    #[arg(long, value_name = "URL")]
    pub aws_endpoint: Option<String>,
    /// Hours the printed development token stays valid.
    #[arg(long, default_value_t = 12)]
    pub token_hours: u64,
    /// The role (a `[cognito.groups]` name of the config) the printed token carries: `viewer` reads, `trader`
    /// runs backtests, syncs and dry-run trading, `admin` may also trade live, activate configs and promote.
    #[arg(long, default_value = "trader")]
    pub role: String,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// dev, staging or prod [default: all three].
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// dev, staging or prod.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ShowFormat::Toml)]
    pub format: ShowFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShowFormat {
    Toml,
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Source environment.
    pub from: String,
    /// Target environment.
    pub to: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// Source environment.
    pub from: String,
    /// Target environment (its <env>.toml is rewritten).
    pub to: String,
    /// Show what would change without writing anything.
    #[arg(long)]
    pub dry_run: bool,
}

/// Parse an environment given as `what` (a flag or argument name).
pub fn environment(what: &str, value: &str) -> anyhow::Result<Environment> {
    value.parse().map_err(|err| anyhow!("{what}: {err}"))
}

/// The config directory: `--config-dir`/`TRADAI_CONFIG_DIR`, else discovered.
pub fn config_dir(cli: &Cli) -> ConfigDir {
    cli.config_dir
        .clone()
        .map_or_else(ConfigDir::discover, ConfigDir::Path)
}
