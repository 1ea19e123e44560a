//! `tradai hyperopt submit|status|watch|list|best|cancel`: the strategy service's sweep routes (through the
//! API) for people (tables and a live progress display: trials done of total, best objective, rate, time left)
//! and scripts (`--output json`).

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use reqwest::Method;
use serde_json::{json, Value};

use super::api::Api;
use super::backtest::{request_file, require, text};
use crate::args::{HyperoptCommand, JobArgs, ListArgs, OutputFormat, SweepArgs};

/// Run one `hyperopt` subcommand; the exit code is 1 when a shown sweep failed or was cancelled.
pub fn run(command: HyperoptCommand) -> anyhow::Result<std::process::ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match command {
            HyperoptCommand::Submit(args) => submit(*args).await,
            HyperoptCommand::Status(args) => {
                let job = job(&args).await?;
                print_job(&job, args.api.output);
                Ok(exit_for(&job))
            }
            HyperoptCommand::Watch(args) => {
                let api = Api::new(&args.api.api_url)?;
                watch(&api, &args.job_id, args.api.output, args.timeout).await
            }
            HyperoptCommand::List(args) => list(args).await,
            HyperoptCommand::Best(args) => {
                let job = job(&args).await?;
                print_best(&job, args.api.output)?;
                Ok(std::process::ExitCode::SUCCESS)
            }
            HyperoptCommand::Cancel(args) => {
                let api = Api::new(&args.api.api_url)?;
                let path = format!("/api/v1/hyperopt/{}/cancel", args.job_id);
                let cancelled = api.call(Method::POST, &path, None).await?;
                match args.api.output {
                    OutputFormat::Json => println!("{cancelled}"),
                    OutputFormat::Table => println!(
                        "{} {}",
                        text(&cancelled["job_id"]),
                        text(&cancelled["status"])
                    ),
                }
                Ok(std::process::ExitCode::SUCCESS)
            }
        }
    })
}

/// The request body: the file's, with the flags (and `--space`'s search space) on top.
pub fn request(args: &SweepArgs) -> anyhow::Result<Value> {
    let mut body = request_file(args.file.as_deref(), "sweep request")?;
    let space = match &args.space {
        Some(path) => {
            let space = request_file(Some(path), "search space")
                .map_err(|e| anyhow::anyhow!("{}", e.to_string().replace("--file", "--space")))?;
            Some(space)
        }
        None => None,
    };
    let mut set = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            body[key] = value;
        }
    };
    set("strategy", args.strategy.clone().map(Value::from));
    set("start_date", args.start.clone().map(Value::from));
    set("end_date", args.end.clone().map(Value::from));
    set("trials", args.trials.map(Value::from));
    set("sampler", args.sampler.clone().map(Value::from));
    set("objective", args.objective.clone().map(Value::from));
    set("seed", args.seed.map(Value::from));
    set("folds", args.folds.map(Value::from));
    set("min_trades", args.min_trades.map(Value::from));
    set("max_drawdown", args.max_drawdown.map(Value::from));
    set("search_space", space);
    require(
        &body,
        "tradai hyperopt submit --strategy sma-crossover --start 2024-02-01 --end 2024-04-01 --trials 200",
    )?;
    Ok(body)
}

async fn submit(args: SweepArgs) -> anyhow::Result<std::process::ExitCode> {
    let body = request(&args)?;
    let api = Api::new(&args.api.api_url)?;
    let started = api
        .call(Method::POST, "/api/v1/hyperopt", Some(&body))
        .await?;
    let job_id = started["job_id"]
        .as_str()
        .context("the API's answer has no job_id")?
        .to_owned();
    if args.wait {
        return watch(&api, &job_id, args.api.output, args.timeout).await;
    }
    match args.api.output {
        OutputFormat::Json => println!("{started}"),
        OutputFormat::Table => println!(
            "started {job_id}: {} trials of {} ({}); follow it with `tradai hyperopt watch {job_id}`",
            started["trials"],
            text(&started["strategy"]),
            text(&started["sampler"])
        ),
    }
    Ok(std::process::ExitCode::SUCCESS)
}

async fn job(args: &JobArgs) -> anyhow::Result<Value> {
    let api = Api::new(&args.api.api_url)?;
    api.call(
        Method::GET,
        &format!("/api/v1/hyperopt/{}", args.job_id),
        None,
    )
    .await
}

/// `done/total trials · best <value> · <rate> trials/s · <left> left` for a job with its progress.
pub fn progress_line(job: &Value) -> String {
    let progress = &job["progress"];
    let done = progress["trials_done"].as_u64().unwrap_or(0);
    let total = progress["trials_total"].as_u64().unwrap_or(0);
    let elapsed = progress["elapsed_seconds"].as_f64().unwrap_or(0.0);
    let best = progress["best"]["value"]
        .as_f64()
        .map_or_else(|| "none yet".to_owned(), |v| format!("{v:.4}"));
    let rate = if elapsed > 0.0 {
        done as f64 / elapsed
    } else {
        0.0
    };
    let left = if rate > 0.0 && total > done {
        let seconds = (total - done) as f64 / rate;
        format!("{} left", clock(seconds))
    } else if total > done {
        "time left unknown".to_owned()
    } else {
        "done".to_owned()
    };
    format!(
        "{done}/{total} trials · best {} {best} · {rate:.1} trials/s · {left}",
        text(&job["objective"])
    )
}

/// `1h02m`, `3m05s`, `12s`.
fn clock(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

async fn watch(
    api: &Api,
    job_id: &str,
    output: OutputFormat,
    timeout: u64,
) -> anyhow::Result<std::process::ExitCode> {
    let bar = (output == OutputFormat::Table).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let started = Instant::now();
    let mut attempt = 0;
    let job = loop {
        let job = api
            .call(Method::GET, &format!("/api/v1/hyperopt/{job_id}"), None)
            .await?;
        if let Some(bar) = &bar {
            bar.set_length(job["progress"]["trials_total"].as_u64().unwrap_or(0));
            bar.set_position(job["progress"]["trials_done"].as_u64().unwrap_or(0));
            bar.set_message(progress_line(&job));
        }
        if job["status"] != "RUNNING" {
            break job;
        }
        if started.elapsed() > Duration::from_secs(timeout) {
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            bail!("{job_id} is still RUNNING after {timeout} s; follow it with `tradai hyperopt watch {job_id}`");
        }
        tokio::time::sleep(super::polling::delay(attempt)).await;
        attempt += 1;
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    print_job(&job, output);
    Ok(exit_for(&job))
}

async fn list(args: ListArgs) -> anyhow::Result<std::process::ExitCode> {
    if !(1..=100).contains(&args.limit) {
        bail!("--limit {}: expected 1 to 100", args.limit);
    }
    let api = Api::new(&args.api.api_url)?;
    let mut path = format!("/api/v1/hyperopt?limit={}", args.limit);
    if let Some(status) = &args.status {
        path.push_str(&format!("&status={}", status.to_uppercase()));
    }
    let page = api.call(Method::GET, &path, None).await?;
    match args.api.output {
        OutputFormat::Json => println!("{page}"),
        OutputFormat::Table => {
            println!(
                "{:<36} {:<10} {:<18} {:>7} {:<6} {:<10} {:<10}",
                "JOB", "STATUS", "STRATEGY", "TRIALS", "SAMPLER", "START", "END"
            );
            for job in page["items"].as_array().into_iter().flatten() {
                println!(
                    "{:<36} {:<10} {:<18} {:>7} {:<6} {:<10} {:<10}",
                    text(&job["job_id"]),
                    text(&job["status"]),
                    text(&job["strategy"]),
                    text(&job["trials"]),
                    text(&job["sampler"]),
                    text(&job["start_date"]),
                    text(&job["end_date"])
                );
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
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
        "strategy  {} {}..{}  ({} sampler, seed {}, {} fold(s))",
        text(&job["strategy"]),
        text(&job["start_date"]),
        text(&job["end_date"]),
        text(&job["sampler"]),
        job["seed"],
        job["folds"]
    );
    println!("progress  {}", progress_line(job));
    if let Some(params) = job["progress"]["best"]["params"].as_object() {
        println!(
            "best      trial {}: {}",
            job["progress"]["best"]["number"],
            params
                .iter()
                .map(|(k, v)| format!("{k}={}", text(v)))
                .collect::<Vec<_>>()
                .join("  ")
        );
    }
    if let Some(error) = job["error"].as_str() {
        println!("error     {error}");
    }
}

fn print_best(job: &Value, output: OutputFormat) -> anyhow::Result<()> {
    let best = &job["progress"]["best"];
    if best.is_null() {
        bail!(
            "{} has no complete trial yet ({})",
            text(&job["job_id"]),
            progress_line(job)
        );
    }
    match output {
        OutputFormat::Json => println!("{}", json!({"job_id": job["job_id"], "best": best})),
        OutputFormat::Table => {
            println!(
                "trial {}: {} {}  ({} trades, drawdown {:.2} %)",
                best["number"],
                text(&job["objective"]),
                text(&best["value"]),
                best["trades"],
                100.0 * best["max_drawdown"].as_f64().unwrap_or(0.0)
            );
            for (name, value) in best["params"].as_object().into_iter().flatten() {
                println!("  {name:<24} {}", text(value));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::ApiArgs;

    fn args() -> SweepArgs {
        SweepArgs {
            file: None,
            strategy: Some("sma-crossover".into()),
            start: Some("2024-02-01".into()),
            end: Some("2024-04-01".into()),
            trials: Some(50),
            sampler: None,
            objective: Some("sortino".into()),
            seed: Some(3),
            folds: None,
            min_trades: None,
            max_drawdown: Some(0.3),
            space: None,
            wait: false,
            timeout: 10,
            api: ApiArgs {
                api_url: "http://x".into(),
                output: OutputFormat::Json,
            },
        }
    }

    #[test]
    fn flags_and_the_space_file_make_the_body() {
        let dir = tempfile::tempdir().expect("dir");
        let space = dir.path().join("space.json");
        std::fs::write(
            &space,
            r#"{"stoploss": {"type": "float", "low": -0.2, "high": -0.05}}"#,
        )
        .expect("write");
        let mut a = args();
        a.space = Some(space.clone());
        assert_eq!(
            request(&a).expect("body"),
            json!({"strategy": "sma-crossover", "start_date": "2024-02-01", "end_date": "2024-04-01",
                   "trials": 50, "objective": "sortino", "seed": 3, "max_drawdown": 0.3,
                   "search_space": {"stoploss": {"type": "float", "low": -0.2, "high": -0.05}}})
        );
        std::fs::write(&space, "[]").expect("write");
        let error = request(&a).expect_err("not an object").to_string();
        assert!(error.starts_with("--space "), "{error}");
        let mut a = args();
        a.end = None;
        let error = request(&a).expect_err("no end").to_string();
        assert!(error.starts_with("--end is required"), "{error}");
    }

    #[test]
    fn the_progress_line_gives_rate_and_time_left() {
        let job = json!({"objective": "sharpe", "progress": {"trials_done": 30, "trials_total": 120,
                         "elapsed_seconds": 15.0, "best": {"value": 1.23456}}});
        assert_eq!(
            progress_line(&job),
            "30/120 trials · best sharpe 1.2346 · 2.0 trials/s · 45s left"
        );
        let fresh = json!({"objective": "sharpe", "progress": {"trials_done": 0, "trials_total": 10,
                           "elapsed_seconds": 0.0, "best": null}});
        assert_eq!(
            progress_line(&fresh),
            "0/10 trials · best sharpe none yet · 0.0 trials/s · time left unknown"
        );
        assert_eq!(clock(3725.0), "1h02m");
        assert_eq!(clock(185.0), "3m05s");
    }
}
