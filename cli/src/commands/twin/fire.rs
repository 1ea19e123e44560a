//! `tradai twin fire <rule> --twin URL`: fire one planned EventBridge schedule of a running twin now (its
//! control endpoint, printed by `twin up`); with `--alarm`, set a planned alarm to ALARM so its planned
//! actions run. Prints each target's (action's) outcome; exits 1 when one failed.

use std::process::ExitCode;

use anyhow::{bail, Context as _};

use crate::args::TwinFireArgs;

/// Fire `args.rule` on the twin at `args.twin`.
pub fn fire(args: &TwinFireArgs) -> anyhow::Result<ExitCode> {
    let base = args.twin.trim_end_matches('/');
    if !base.starts_with("http://") {
        bail!("--twin {base}: expected the control URL `twin up` printed, e.g. http://127.0.0.1:41234");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let (status, answer) = runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(format!(
                "{base}/{}/{}",
                if args.alarm { "alarms" } else { "rules" },
                args.rule
            ))
            .send()
            .await
            .with_context(|| {
                format!("--twin {base} does not answer (is `tradai twin up` running?)")
            })?;
        let status = response.status();
        let answer: serde_json::Value = response
            .json()
            .await
            .context("the twin's answer is not JSON")?;
        anyhow::Ok((status, answer))
    })?;
    match status.as_u16() {
        200 | 502 => {
            println!("{}", serde_json::to_string_pretty(&answer)?);
            Ok(if status.is_success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        _ => bail!(
            "{}",
            answer["error"]
                .as_str()
                .unwrap_or("the twin refused the rule")
        ),
    }
}
