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
}

/// `tradai infra …`
#[derive(Debug, Subcommand)]
pub enum InfraCommand {
    /// Preview the resources of the stacks without credentials: the real stack programs run on a mock engine.
    Plan(PlanArgs),
    /// Run the policy checks (encryption, privacy, tags, IAM, log retention, IMDSv2, open ingress, RDS, DLQs) over
    /// the planned graphs of every layer; exit 1 on any violation.
    Check(CheckArgs),
    /// Estimate the monthly cost of an environment from its planned graph, the config and the bundled price
    /// table (eu-central-1 list prices, dated in the table).
    Cost(CostArgs),
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
    /// Hours the printed development token stays valid.
    #[arg(long, default_value_t = 12)]
    pub token_hours: u64,
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
