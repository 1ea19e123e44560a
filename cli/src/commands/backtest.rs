//! `tradai backtest submit|status|list|cancel|watch`: the backend's backtest routes for people (a table and a
//! live progress display) and scripts (`--output json`).

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use reqwest::Method;
use serde_json::{json, Value};

use super::api::Api;
use crate::args::{ApiArgs, BacktestCommand, JobArgs, ListArgs, OutputFormat, SubmitArgs};

/// Statuses a job ends in.
const FINAL: [&str; 3] = ["COMPLETED", "FAILED", "CANCELLED"];

/// Run one `backtest` subcommand; the exit code is 1 when a followed job did not complete.
pub fn run(command: BacktestCommand) -> anyhow::Result<std::process::ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match command {
            BacktestCommand::Submit(args) => submit(args).await,
            BacktestCommand::Status(args) => {
                let api = Api::new(&args.api.api_url)?;
                let job = api
                    .call(
                        Method::GET,
                        &format!("/api/v1/backtests/{}", args.job_id),
                        None,
                    )
                    .await?;
                print_job(&job, args.api.output);
                Ok(exit_for(&job))
            }
            BacktestCommand::List(args) => list(args).await,
            BacktestCommand::Cancel(args) => {
                let api = Api::new(&args.api.api_url)?;
                let job = api
                    .call(
                        Method::POST,
                        &format!("/api/v1/backtests/{}/cancel", args.job_id),
                        None,
                    )
                    .await?;
                print_job(&job, args.api.output);
                Ok(std::process::ExitCode::SUCCESS)
            }
            BacktestCommand::Watch(args) => watch_job(args).await,
        }
    })
}

/// The JSON object in request file `file` (an empty object without one); `what` names the request.
pub fn request_file(file: Option<&std::path::Path>, what: &str) -> anyhow::Result<Value> {
    let Some(path) = file else {
        return Ok(json!({}));
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("--file {}", path.display()))?;
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("--file {}: not JSON", path.display()))?;
    if !value.is_object() {
        bail!(
            "--file {}: expected a JSON object (a {what})",
            path.display()
        );
    }
    Ok(value)
}

/// The fields every job request needs (strategy and range), each named by its flag; `example` shows a whole
/// command.
pub fn require(body: &Value, example: &str) -> anyhow::Result<()> {
    for (key, flag) in [
        ("strategy", "--strategy"),
        ("start_date", "--start"),
        ("end_date", "--end"),
    ] {
        if !body[key].is_string() {
            bail!("{flag} is required (or `{key}` in --file): e.g. {example}");
        }
    }
    Ok(())
}

/// The request body: the file's, with the flags on top; the fields the API needs must be there.
pub fn request(args: &SubmitArgs) -> anyhow::Result<Value> {
    let mut body = request_file(args.file.as_deref(), "backtest request")?;
    let mut set = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            body[key] = value;
        }
    };
    set("strategy", args.strategy.clone().map(Value::from));
    set("start_date", args.start.clone().map(Value::from));
    set("end_date", args.end.clone().map(Value::from));
    set("timeframe", args.timeframe.clone().map(Value::from));
    set("stake_amount", args.stake.map(Value::from));
    set("stoploss", args.stoploss.map(Value::from));
    if !args.symbols.is_empty() {
        body["symbols"] = json!(args.symbols);
    }
    require(
        &body,
        "tradai backtest submit --strategy sma-crossover --start 2024-02-01 --end 2024-03-01",
    )?;
    Ok(body)
}

async fn submit(args: SubmitArgs) -> anyhow::Result<std::process::ExitCode> {
    let body = request(&args)?;
    let api = Api::new(&args.api.api_url)?;
    let accepted = api
        .call(Method::POST, "/api/v1/backtests", Some(&body))
        .await?;
    let job_id = accepted["job_id"]
        .as_str()
        .context("the backend's answer has no job_id")?
        .to_owned();
    if !args.wait {
        match args.api.output {
            OutputFormat::Json => println!("{accepted}"),
            OutputFormat::Table => println!(
                "submitted {job_id} ({})",
                accepted["status"].as_str().unwrap_or("PENDING")
            ),
        }
        return Ok(std::process::ExitCode::SUCCESS);
    }
    watch(&api, &job_id, &args.api, Duration::from_secs(args.timeout)).await
}

async fn list(args: ListArgs) -> anyhow::Result<std::process::ExitCode> {
    if !(1..=100).contains(&args.limit) {
        bail!("--limit {}: expected 1 to 100", args.limit);
    }
    let api = Api::new(&args.api.api_url)?;
    let mut path = format!("/api/v1/backtests?limit={}", args.limit);
    if let Some(status) = &args.status {
        path.push_str(&format!("&status={}", status.to_uppercase()));
    }
    let page = api.call(Method::GET, &path, None).await?;
    match args.api.output {
        OutputFormat::Json => println!("{page}"),
        OutputFormat::Table => {
            println!(
                "{:<38} {:<10} {:<20} {:<10} {:<10}",
                "JOB", "STATUS", "STRATEGY", "START", "END"
            );
            for job in page["items"].as_array().into_iter().flatten() {
                println!(
                    "{:<38} {:<10} {:<20} {:<10} {:<10}",
                    text(&job["job_id"]),
                    text(&job["status"]),
                    text(&job["strategy"]),
                    text(&job["start_date"]),
                    text(&job["end_date"])
                );
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

async fn watch_job(args: JobArgs) -> anyhow::Result<std::process::ExitCode> {
    let api = Api::new(&args.api.api_url)?;
    watch(
        &api,
        &args.job_id,
        &args.api,
        Duration::from_secs(args.timeout),
    )
    .await
}

/// A JSON value as a table shows it (a string without its quotes).
pub fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// Poll the job until it ends, showing each status change; then its metrics.
async fn watch(
    api: &Api,
    job_id: &str,
    out: &ApiArgs,
    timeout: Duration,
) -> anyhow::Result<std::process::ExitCode> {
    let progress = (out.output == OutputFormat::Table).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message(format!("{job_id}: submitted"));
        bar
    });
    let started = Instant::now();
    let mut last = String::new();
    let mut attempt = 0;
    let job = loop {
        let job = api
            .call(Method::GET, &format!("/api/v1/backtests/{job_id}"), None)
            .await?;
        let status = text(&job["status"]);
        if status != last {
            if let Some(bar) = &progress {
                bar.println(format!(
                    "{:>6.1} s  {job_id}  {status}",
                    started.elapsed().as_secs_f64()
                ));
                bar.set_message(format!("{job_id}: {status}"));
            }
            last = status.clone();
        }
        if FINAL.contains(&status.as_str()) {
            break job;
        }
        if started.elapsed() > timeout {
            if let Some(bar) = &progress {
                bar.finish_and_clear();
            }
            bail!("{job_id} is still {status} after {} s; follow it with `tradai backtest watch {job_id}`", timeout.as_secs());
        }
        tokio::time::sleep(super::polling::delay(attempt)).await;
        attempt += 1;
    };
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let report = if job["status"] == "COMPLETED" {
        api.call(
            Method::GET,
            &format!("/api/v1/backtests/{job_id}/report-data"),
            None,
        )
        .await
        .ok()
    } else {
        None
    };
    match out.output {
        OutputFormat::Json => {
            let mut document = json!({"job": job});
            if let Some(report) = &report {
                document["metrics"] = report["metrics"].clone();
            }
            println!("{document}");
        }
        OutputFormat::Table => {
            print_job(&job, OutputFormat::Table);
            if let Some(metrics) = report.as_ref().map(|r| &r["metrics"]) {
                print_metrics(metrics);
            }
        }
    }
    Ok(exit_for(&job))
}

fn exit_for(job: &Value) -> std::process::ExitCode {
    match job["status"].as_str() {
        Some("FAILED" | "CANCELLED") => std::process::ExitCode::FAILURE,
        _ => std::process::ExitCode::SUCCESS,
    }
}

fn print_job(job: &Value, output: OutputFormat) {
    if output == OutputFormat::Json {
        println!("{job}");
        return;
    }
    println!("job       {}", text(&job["job_id"]));
    println!("status    {}", text(&job["status"]));
    println!(
        "strategy  {} {} {} {}..{}",
        text(&job["strategy"]),
        job["symbols"]
            .as_array()
            .map(|s| s.iter().map(text).collect::<Vec<_>>().join(","))
            .unwrap_or_default(),
        text(&job["timeframe"]),
        text(&job["start_date"]),
        text(&job["end_date"])
    );
    if job["error"].is_object() {
        println!(
            "error     {}: {}",
            text(&job["error"]["Error"]),
            text(&job["error"]["Cause"])
        );
    }
}

fn print_metrics(metrics: &Value) {
    let number = |key: &str| metrics[key].as_f64().unwrap_or(f64::NAN);
    println!("profit    {:+.2} %", 100.0 * number("profit_total"));
    println!(
        "sharpe    {:.2}   sortino {:.2}",
        number("sharpe_ratio"),
        number("sortino_ratio")
    );
    println!("drawdown  {:.2} %", 100.0 * number("max_drawdown"));
    println!(
        "trades    {}   win rate {:.1} %",
        metrics["trade_count"],
        100.0 * number("win_rate")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(file: Option<std::path::PathBuf>) -> SubmitArgs {
        SubmitArgs {
            file,
            strategy: None,
            start: None,
            end: None,
            symbols: vec![],
            timeframe: None,
            stake: None,
            stoploss: None,
            wait: false,
            timeout: 10,
            api: ApiArgs {
                api_url: "http://x".into(),
                output: OutputFormat::Json,
            },
        }
    }

    #[test]
    fn flags_override_the_file_and_required_fields_are_named() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("req.json");
        std::fs::write(&file, r#"{"strategy": "a", "start_date": "2024-01-01", "end_date": "2024-02-01", "timeframe": "4h"}"#)
            .expect("write");
        let mut a = args(Some(file.clone()));
        a.strategy = Some("sma-crossover".into());
        a.symbols = vec!["ETH/USDT:USDT".into()];
        a.stoploss = Some(-0.1);
        assert_eq!(
            request(&a).expect("body"),
            json!({"strategy": "sma-crossover", "start_date": "2024-01-01", "end_date": "2024-02-01", "timeframe": "4h",
                   "symbols": ["ETH/USDT:USDT"], "stoploss": -0.1})
        );
        let error = request(&args(None)).expect_err("no strategy").to_string();
        assert!(error.starts_with("--strategy is required"), "{error}");
        std::fs::write(&file, "[1]").expect("write");
        let error = request(&args(Some(file))).expect_err("array").to_string();
        assert!(error.contains("expected a JSON object"), "{error}");
    }
}
